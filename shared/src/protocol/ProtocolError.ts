/**
 * Coded refusals of the wire protocol. On the wire only the code travels; the message is for logs
 * and never holds frame contents.
 */
export const PROTOCOL_ERROR_CODES = [
  'MALFORMED_FRAME',
  'FRAME_TOO_LARGE',
  'UNSUPPORTED_VERSION',
  'HELLO_REQUIRED',
  'DEVICE_REQUIRED',
  'UNKNOWN_DEVICE',
  'UNKNOWN_ACCOUNT',
  'BAD_KEY_RECORD',
  'TOO_MANY_RECIPIENTS',
  'ENVELOPE_TOO_LARGE',
  'RATE_LIMITED',
  'STORAGE_FULL',
  'STORAGE_BUSY',
  /** A recipient device is too far behind, or the relay's commits are: retry later (§2.6). */
  'SLOW_DOWN',
  /** A mailbox or the sending account holds its byte quota of undelivered envelopes (§2.6). */
  'QUOTA_EXCEEDED',
  'FORBIDDEN',
  'INTERNAL',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
