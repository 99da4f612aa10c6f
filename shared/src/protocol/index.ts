export { PROTOCOL_VERSION, LIMITS } from './limits.js';
export { PROTOCOL_ERROR_CODES, ProtocolError, type ProtocolErrorCode } from './ProtocolError.js';
export * from './frames.js';
export { decodeClientFrame, decodeServerFrame, encodeFrame, readRequestId } from './codec.js';
export {
  deliverEnvelopeBytes,
  fitDeliverBatch,
  type DeliverEnvelopeSize,
} from './fitDeliverBatch.js';
