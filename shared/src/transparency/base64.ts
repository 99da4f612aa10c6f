/**
 * Checkpoints, signed notes and verifier keys use standard padded base64 (RFC 4648 §4), decoded
 * strictly so that a signed text has one spelling: the codec of `shared/src/encoding`.
 */
export { decodeBase64, encodeBase64 } from '../encoding/base64.js';
