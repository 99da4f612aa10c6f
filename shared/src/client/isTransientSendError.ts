import type { DeliveryErrorCode } from './DeliveryError.js';

/**
 * Refusals of a send that may succeed if retried unchanged (§2.7: `STORAGE_FULL`, `STORAGE_BUSY`,
 * `SLOW_DOWN` and `QUOTA_EXCEEDED` stored nothing and pass as the relay catches up or the
 * recipient drains its mailbox; `RATE_LIMITED` and `INTERNAL` say nothing about the send
 * itself), plus the client's own
 * connection troubles. Everything else (`TOO_MANY_RECIPIENTS`, `ENVELOPE_TOO_LARGE`,
 * `UNKNOWN_DEVICE`, …) would be refused again, so retrying would only load the relay.
 */
const TRANSIENT: ReadonlySet<DeliveryErrorCode> = new Set<DeliveryErrorCode>([
  'RATE_LIMITED',
  'STORAGE_FULL',
  'STORAGE_BUSY',
  'SLOW_DOWN',
  'QUOTA_EXCEEDED',
  'INTERNAL',
  'TIMEOUT',
  'DISCONNECTED',
  'UNEXPECTED_REPLY',
]);

export function isTransientSendError(code: DeliveryErrorCode): boolean {
  return TRANSIENT.has(code);
}
