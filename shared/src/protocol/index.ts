export { PROTOCOL_VERSION, LIMITS } from './limits.js';
export { ProtocolError, type ProtocolErrorCode } from './ProtocolError.js';
export * from './frames.js';
export { decodeClientFrame, decodeServerFrame, encodeFrame, readRequestId } from './codec.js';
