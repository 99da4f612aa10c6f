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

export interface ConsistencyResponse {
  readonly from: number;
  readonly to: number;
  readonly proof: readonly string[];
}
