/**
 * The audit part of the relay's JSON API. The PWA verifies every event it shows: the inclusion
 * proof against the latest signed checkpoint, and the checkpoint's consistency with the last one
 * it saw, so a rolled-back or forked log is reported to the user.
 */

export const AUDIT_API = {
  /** GET: the latest signed checkpoint and the key that signs them. */
  checkpoint: '/api/audit/checkpoint',
  /** GET ?from=&to=: consistency proof between two tree sizes. */
  consistency: '/api/audit/consistency',
  /** GET ?before=&limit=: the signed-in account's own events, newest first, with proofs. */
  mine: '/api/audit/mine',
  /** GET ?before=&limit=&type=&account=: every event (admins only), newest first. */
  events: '/api/audit/events',
} as const;

/**
 * The security events the relay records, named after the OWASP logging vocabulary where one fits,
 * in the order an admin's filter lists them. The one list: the relay records only these, and the
 * PWA labels them (an unknown type, from a newer relay, gets a neutral label).
 */
export const SECURITY_EVENT_TYPES = [
  'authn_login_success',
  'authn_login_fail',
  'authn_passkey_added',
  'authn_passkey_renamed',
  'authn_passkey_removed',
  'authn_recovery_used',
  'session_created',
  'session_revoked',
  'session_expired',
  'session_ended',
  'user_created',
  'user_disabled',
  'user_enabled',
  'user_deleted',
  'user_role_changed',
  'invite_created',
  'invite_redeemed',
  'invite_revoked',
  'device_added',
  'device_revoked',
  /** A signed device list was published (§2.9): `details` has its version and device count. */
  'device_list_published',
  /** The account's account key was replaced (a key change every contact sees). */
  'account_key_replaced',
  /**
   * A public key object (account key, device certificate, device list, a device's identity keys
   * or its revocation) entered the log: PROTOCOL.md §3.8 (`KEY_ENTRY_TYPE`) gives `details`.
   */
  'key_logged',
  'registration_fail',
  /*
   * Refused API requests and socket upgrades (the three types below) are counted, not logged one
   * by one, since anyone can cause them: per type, client and minute the first is an event with
   * `details.count` 1 and the rest one event with their `count` and `first`/`last` times; beyond
   * the relay's cap of clients a minute, one event per type with `client` null, `details.overflow`
   * true and `details.clients` (distinct clients). A signed-in device's flood of frames is one
   * `ratelimit_exceeded` per connection and minute, with its account and device.
   */
  'ratelimit_exceeded',
  'origin_refused',
  'session_upgrade_refused',
  'malformed_frame',
  'relay_started',
  'relay_stopped',
  'config_changed',
  /** Old events were deleted under the retention policy (`vaultroom audit prune`). */
  'audit_pruned',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(SECURITY_EVENT_TYPES);

export function isSecurityEventType(type: string): type is SecurityEventType {
  return KNOWN_EVENT_TYPES.has(type);
}

export interface AuditEventView {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly outcome: 'success' | 'failure';
  readonly actorAccountId: string | null;
  readonly target: string | null;
  readonly userAgent: string | null;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface ProvenAuditEvent extends AuditEventView {
  /** The exact leaf bytes (base64), whose hash the proof starts from. */
  readonly leaf: string;
  /** Inclusion proof (base64 hashes) against `treeSize` of the response, or null if newer. */
  readonly proof: readonly string[] | null;
}

export interface AuditCheckpointResponse {
  /** The signed checkpoint note, or null before the first one is signed. */
  readonly checkpoint: string | null;
  /** The verifier key string (`name+keyid+key`). */
  readonly verifierKey: string;
  readonly origin: string;
}

export interface MyAuditEventsResponse {
  readonly events: readonly ProvenAuditEvent[];
  readonly checkpoint: string | null;
  readonly treeSize: number;
}

export interface AuditEventsResponse {
  readonly events: readonly AuditEventView[];
}

/**
 * One step over pruned history: the tree of `size` leaves (a size the log was pruned at) with its
 * root, and the consistency proof from the previous size of the chain to it. The relay kept these
 * proofs when it deleted the events they are made of.
 */
export interface ConsistencyLink {
  readonly size: number;
  /** Base64 root hash of the tree of `size` leaves. */
  readonly rootHash: string;
  /** Base64 hashes: the consistency proof from the previous size of the chain to `size`. */
  readonly proof: readonly string[];
}

/**
 * The proof that the tree of `to` leaves extends the tree of `from` leaves. When `from` lies
 * before the log's pruned size, the proof goes through `links` (from `from` to the first link's
 * size, then on to each next one) and `proof` runs from the last link's size to `to`; otherwise
 * `links` is absent and `proof` runs from `from` to `to` (RFC 9162 §2.1.4).
 */
export interface ConsistencyResponse {
  readonly from: number;
  readonly to: number;
  readonly links?: readonly ConsistencyLink[];
  readonly proof: readonly string[];
}
