/**
 * The push part of the relay's JSON API (PROTOCOL.md §2.8): a device registers its Web Push
 * subscription over its authenticated session, which binds it to that session's device.
 */

export const PUSH_API = {
  /** GET: whether this relay offers push, and its VAPID public key. */
  push: '/api/push',
  /** POST a `PushSubscriptionInput` for this session's device; DELETE removes it. */
  subscription: '/api/push/subscription',
} as const;

/** Devices of one account that may hold a push subscription at once. */
export const PUSH_SUBSCRIPTIONS_PER_ACCOUNT = 10;

export interface PushStatusView {
  /** False when the operator turned push off (`VAULTROOM_PUSH=false`). */
  readonly available: boolean;
  /**
   * The relay's VAPID public key (RFC 8292), base64url of the uncompressed P-256 point: the
   * `applicationServerKey` of `pushManager.subscribe`. Null when push is not available.
   */
  readonly publicKey: string | null;
  /** This session's device's subscription, if it has one. */
  readonly subscription: { readonly endpoint: string; readonly showSender: boolean } | null;
}

/** What `PushSubscription.toJSON()` gives, and the person's choice to see who wrote. */
export interface PushSubscriptionInput {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
  readonly showSender: boolean;
}

/**
 * What a push carries once the browser decrypted it (RFC 8291): JSON padded with spaces to a fixed
 * length. `count` is how many envelopes arrived since the previous push; `from` is the sender's
 * handle, only when one account sent them all and the person chose to see who wrote.
 */
export interface PushPayloadView {
  readonly count: number;
  readonly from?: string;
}
