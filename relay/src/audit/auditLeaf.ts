import { createHash } from 'node:crypto';
import type { AuditEventsTable } from '../db/schema.js';

/** Version of the leaf encoding below; part of every leaf, so a change can never go unnoticed. */
export const AUDIT_LEAF_VERSION = 1;

export type AuditRow = Omit<AuditEventsTable, 'leaf_hash'>;

/**
 * The canonical bytes of an event: a JSON array in a fixed order, UTF-8. Every stored field is in
 * it, so editing any column of a row changes its leaf hash and every root after it.
 */
export function encodeAuditLeaf(row: AuditRow): Uint8Array {
  return Buffer.from(
    JSON.stringify([
      AUDIT_LEAF_VERSION,
      row.seq,
      row.at,
      row.type,
      row.outcome,
      row.actor_account_id,
      row.actor_device_id,
      row.target,
      row.client,
      row.user_agent,
      row.details,
    ]),
    'utf8',
  );
}

/** RFC 9162 §2.1.1 leaf hash, SHA-256(0x00 || leaf), with Node's native SHA-256. */
export function auditLeafHash(row: AuditRow): Uint8Array {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(encodeAuditLeaf(row))
    .digest();
}

/** RFC 9162 §2.1.1 interior node hash, SHA-256(0x01 || left || right). */
export function auditNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}
