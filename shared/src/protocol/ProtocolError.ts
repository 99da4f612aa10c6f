/**
 * Coded refusals of the wire protocol. On the wire only the code travels; the message is for logs
 * and never holds frame contents.
 */
export type ProtocolErrorCode =
  | 'MALFORMED_FRAME'
  | 'FRAME_TOO_LARGE'
  | 'UNSUPPORTED_VERSION'
  | 'HELLO_REQUIRED'
  | 'DEVICE_REQUIRED'
  | 'UNKNOWN_DEVICE'
  | 'UNKNOWN_ACCOUNT'
  | 'BAD_KEY_RECORD'
  | 'TOO_MANY_RECIPIENTS'
  | 'ENVELOPE_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'STORAGE_FULL'
  | 'STORAGE_BUSY'
  | 'FORBIDDEN'
  | 'INTERNAL';

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
