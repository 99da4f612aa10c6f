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
  /** The request needs a user verification with the passkey in the last 5 minutes (§2.9). */
  'REAUTH_REQUIRED',
  /** A device list whose version is not above the one the relay holds (§2.9). */
  'STALE_DEVICE_LIST',
  /** A trust object under another account key than the account's, without a replacement. */
  'ACCOUNT_KEY_MISMATCH',
  /** A certificate or device list that does not parse, verify or match the account (§2.9). */
  'BAD_TRUST_OBJECT',
  /**
   * The log cannot answer a key-transparency request (§2.11): it is empty, smaller than the size
   * the device trusts (a rollback), or pruned past that size without a kept link.
   */
  'LOG_UNAVAILABLE',
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
