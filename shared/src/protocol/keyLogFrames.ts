import * as v from 'valibot';
import { LIMITS } from './limits.js';

/**
 * Key transparency on the device connection (PROTOCOL.md §2.11): proofs that public key objects
 * are in the audit log, and the log's leaves for a device monitoring its own account.
 */

const requestId = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0xffff_ffff));
const size = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const hash = v.pipe(v.instance(Uint8Array), v.length(32));
/** A Merkle path or consistency proof: at most one hash per level of a 2^63-leaf tree. */
const proof = v.pipe(v.array(hash), v.maxLength(128));
const leaf = v.pipe(v.instance(Uint8Array), v.maxLength(LIMITS.maxAuditLeafBytes));
const note = v.pipe(v.string(), v.maxLength(LIMITS.maxCheckpointNoteBytes));

/**
 * Asks for the key entries that logged these objects (SHA-256 of each object's bytes) with
 * inclusion proofs against the relay's newest checkpoint, and a consistency proof from `from`,
 * the tree size of the checkpoint the device trusts (0 for none).
 */
export const proveKeysFrame = v.strictObject({
  t: v.literal('prove-keys'),
  id: requestId,
  objects: v.pipe(v.array(hash), v.maxLength(LIMITS.maxAccountDevices + 2)),
  from: size,
});

/** Asks for the leaves after tree size `from`, at most `limit`, up to the newest checkpoint. */
export const fetchLogFrame = v.strictObject({
  t: v.literal('fetch-log'),
  id: requestId,
  from: size,
  limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.maxLogLeavesPerFrame)),
});

const consistency = v.strictObject({
  /** Over pruned history: one step per pruning after `from` (ConsistencyLink, §3.5). */
  links: v.pipe(
    v.array(v.strictObject({ size, rootHash: hash, proof })),
    v.maxLength(LIMITS.maxConsistencyLinks),
  ),
  proof,
});

export const keyProofsFrame = v.strictObject({
  t: v.literal('key-proofs'),
  id: requestId,
  /** The signed checkpoint the proofs are made against (c2sp.org/tlog-checkpoint). */
  checkpoint: note,
  /** The log's verifier key (`name+keyid+key`) and origin. */
  verifierKey: v.pipe(v.string(), v.maxLength(512)),
  /** One per requested object the log holds, in no particular order; missing ones are absent. */
  entries: v.pipe(
    v.array(v.strictObject({ seq: size, leaf, proof })),
    v.maxLength(LIMITS.maxAccountDevices + 2),
  ),
  /** From the requested size to the checkpoint's (empty when `from` was 0 or the same size). */
  consistency,
});

export const logLeavesFrame = v.strictObject({
  t: v.literal('log-leaves'),
  id: requestId,
  checkpoint: note,
  /** The tree's right edge at `from` (one hash per set bit of `from`, largest subtree first). */
  edge: proof,
  /** Leaves `from + 1` onwards, in order, none past the checkpoint's size. */
  leaves: v.pipe(v.array(leaf), v.maxLength(LIMITS.maxLogLeavesPerFrame)),
});
