import { hash } from 'node:crypto';
import { auditLeafJson, type AuditLeafFields } from '@vaultroom/shared/transparency';
import type { AuditEventsTable } from '../db/schema.js';

export type AuditRow = Omit<AuditEventsTable, 'leaf_hash'>;

/** The leaf's JSON text (shared/src/transparency/auditLeaf.ts holds the layout). */
function leafText(row: AuditRow): string {
  return auditLeafJson([
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
  ]);
}

/**
 * The canonical bytes of an event: a JSON array in a fixed order, UTF-8. Every stored field is in
 * it, so editing any column of a row changes its leaf hash and every root after it.
 */
export function encodeAuditLeaf(row: AuditRow): Uint8Array {
  return Buffer.from(leafText(row), 'utf8');
}

/**
 * RFC 9162 §2.1.1 leaf hash, SHA-256(0x00 || leaf), with Node's native SHA-256. One-shot
 * `crypto.hash` over one string: a Hash object per call costs more than hashing a leaf does.
 */
export function auditLeafHash(row: AuditRow): Buffer {
  return hash('sha256', `\u0000${leafText(row)}`, 'buffer');
}

export class AuditHashError extends Error {
  readonly code = 'AUDIT_HASH_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AuditHashError';
  }
}

/**
 * An event row as verify streams it, columns in leaf order and then the stored leaf hash: arrays,
 * not objects, because building an object per row costs more than hashing it.
 */
export type RawAuditRow = readonly [...AuditLeafFields, leafHash: Buffer];

/** The columns of {@link RawAuditRow}, for SELECT. */
export const RAW_AUDIT_COLUMNS =
  'seq, at, type, outcome, actor_account_id, actor_device_id, target, client, user_agent, details, leaf_hash';

/** {@link auditLeafHash} of a streamed row: the same bytes, from the same fields. */
export function rawAuditLeafHash(row: RawAuditRow): Buffer {
  return hash('sha256', `\u0000${auditLeafJson(row)}`, 'buffer');
}

/** Scratch input of a node hash: 0x01, then room for the two children. */
const nodeInput = Buffer.alloc(65, 1);

/** RFC 9162 §2.1.1 interior node hash, SHA-256(0x01 || left || right). */
export function auditNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  // Stored hashes are read back from the database, where an edit could leave any length.
  if (left.length !== 32 || right.length !== 32) {
    throw new AuditHashError('a Merkle tree hash is not 32 bytes long');
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hash('sha256', nodeInput, 'buffer');
}
