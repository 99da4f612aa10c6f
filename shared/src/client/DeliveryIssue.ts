import type { ProtocolErrorCode, ServerFrame } from '../protocol/index.js';

/**
 * Things that went wrong without being any caller's error: reported to `onIssue` (a log) and
 * otherwise ignored, so a misbehaving relay or handler never throws into the caller's stack.
 */
export type DeliveryIssue =
  /** A frame from the relay that does not decode (§2.2): the connection was closed (4002). */
  | { readonly kind: 'malformed-frame'; readonly code: ProtocolErrorCode }
  /** A well-formed frame that makes no sense now (a reply to no request, a second welcome…). */
  | { readonly kind: 'unexpected-frame'; readonly t: ServerFrame['t'] }
  /** An `error` with a null id: the relay refused a frame it could not read. */
  | { readonly kind: 'relay-error'; readonly code: ProtocolErrorCode }
  /** `onEnvelope` rejected: the envelope is not acked and the relay will deliver it again. */
  | { readonly kind: 'envelope-handler-failed'; readonly envelope: string; readonly error: unknown }
  /** A caller callback (state listener, `onQueueEmpty`, …) threw. */
  | { readonly kind: 'callback-failed'; readonly error: unknown }
  /** The outbox store failed to load or delete; sends stay safe, maybe resent once more. */
  | { readonly kind: 'outbox-store-failed'; readonly error: unknown };
