import type { ProtocolErrorCode } from '../protocol/index.js';

/**
 * Wire codes (PROTOCOL.md §2.7) as the relay sent them, plus the client's own:
 * `TIMEOUT` (no reply in time), `DISCONNECTED` (the connection dropped with the request in flight:
 * it may or may not have been applied), `CLOSED` (the client was closed), `SIGNED_OUT` (the relay
 * ended the session), `UNEXPECTED_REPLY` (a reply of the wrong type), `INVALID_MESSAGE` (a send
 * the client refuses before it reaches the wire), `OUTBOX_STORE_FAILED` (the outbox could not
 * persist a send).
 */
export type DeliveryErrorCode =
  | ProtocolErrorCode
  | 'TIMEOUT'
  | 'DISCONNECTED'
  | 'CLOSED'
  | 'SIGNED_OUT'
  | 'UNEXPECTED_REPLY'
  | 'INVALID_MESSAGE'
  | 'OUTBOX_STORE_FAILED';

export class DeliveryError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    message: string = code,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}
