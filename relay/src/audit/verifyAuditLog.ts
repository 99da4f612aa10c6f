import {
  TransparencyError,
  verifyCheckpoint,
  verifyConsistency,
  type NoteVerifier,
} from '@vaultroom/shared/transparency';
import { loadSodium } from '../sodium/loadSodium.js';
import {
  decodeEdge,
  formatPrunedExtension,
  parsePrunedExtension,
  rootOfEdge,
} from './auditEdge.js';
import { auditNodeHash, rawAuditLeafHash } from './auditLeaf.js';
import { decodeHashes } from './auditTreeReads.js';
import type { AuditWalkSource } from './AuditWalkSource.js';

export interface AuditProblem {
  /** The first event concerned, when one can be named. */
  readonly seq: number | null;
  readonly message: string;
}

export interface AuditVerification {
  /** Events verified, pruned ones included (they count as the checked edge stands for them). */
  readonly events: number;
  readonly checkpoints: number;
  /** The latest pruning: events 1..size were deleted at `at`. Null when nothing was pruned. */
  readonly pruned: { readonly size: number; readonly at: string } | null;
  /**
   * Signed checkpoints of sizes below the pruned size: their signatures were checked, but their
   * roots can no longer be recomputed since the events are gone.
   */
  readonly signatureOnly: number;
  /**
   * Signed checkpoints below the pruned size without a kept consistency proof to it (prunings by
   * versions before links were kept): a device that remembers one cannot be shown the log extends
   * it. Every kept link is checked.
   */
  readonly unlinked: number;
  /** The first problem in log order, or null when everything verified. */
  readonly problem: AuditProblem | null;
}

interface CheckpointClaim {
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
  readonly label: string;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * Recomputes the whole log from its rows and checks it against every signed checkpoint: each leaf
 * from the event's own fields, each stored subtree hash, and each checkpoint's signature and root.
 * Any edit, deletion, insertion, reordering or truncation of events up to a signed checkpoint is
 * found, and the first bad place is named. `external` are checkpoints kept off the machine: they
 * also catch a rollback of the database together with its checkpoints.
 *
 * After a pruning the walk starts from the stored left edge at the pruned size P instead of event
 * 1: the edge must fold to the root of the signed checkpoint at P, and the pruning record must be
 * the one a signed checkpoint's `pruned <P> <time>` line states (and the other way round).
 */
export async function verifyAuditLog(
  source: AuditWalkSource,
  expected: { origin: string; verifiers: readonly NoteVerifier[]; external?: readonly string[] },
): Promise<AuditVerification> {
  const sodium = await loadSodium();
  const prunings = await source.prunings();
  const lastPruning = prunings.at(-1);
  const pruned =
    lastPruning === undefined ? null : { size: lastPruning.tree_size, at: lastPruning.pruned_at };

  // Events verified so far; every failure reports it, the checkpoint checks included.
  let count = 0;
  let signatureOnly = 0;
  let unlinked = 0;
  const claims: CheckpointClaim[] = [];
  const stored = await source.checkpoints();
  for (const [index, note] of [
    ...stored.map((row) => row.note),
    ...(expected.external ?? []),
  ].entries()) {
    const label =
      index < stored.length
        ? `stored checkpoint at size ${stored[index]?.tree_size ?? '?'}`
        : 'external checkpoint';
    try {
      const checkpoint = verifyCheckpoint(note, expected, sodium);
      if (index < stored.length && checkpoint.size !== stored[index]?.tree_size) {
        return fail(stored.length, null, `the ${label} states size ${checkpoint.size}`);
      }
      claims.push({
        size: checkpoint.size,
        root: checkpoint.rootHash,
        extensions: checkpoint.extensions,
        label,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return fail(stored.length, null, `the ${label} does not verify: ${reason}`);
    }
  }
  claims.sort((a, b) => a.size - b.size);

  // Every pruning a signed checkpoint states must have its record, unchanged: otherwise the
  // record was removed or edited (its time, or its size to hide more deleted events).
  for (const current of claims) {
    for (const line of current.extensions) {
      const stated = parsePrunedExtension(line);
      if (stated === null) continue; // other extension lines are opaque (c2sp.org/tlog-checkpoint)
      const record = prunings.find((row) => row.tree_size === stated.size);
      if (record?.pruned_at !== stated.at) {
        return fail(
          stored.length,
          null,
          `the pruning record of events 1–${stated.size} is missing or altered: the ${current.label} records a pruning of events 1–${stated.size} at ${stated.at}`,
        );
      }
    }
  }
  // And every record must be signed, with an edge that folds to the signed root at its size.
  for (const record of prunings) {
    const line = formatPrunedExtension(record.tree_size, record.pruned_at);
    const recording = claims.find(
      (current) => current.size === record.checkpoint_size && current.extensions.includes(line),
    );
    if (recording === undefined) {
      return fail(
        stored.length,
        null,
        `the pruning record of events 1–${record.tree_size} at ${record.pruned_at} is not signed: no signed checkpoint at size ${record.checkpoint_size} records it`,
      );
    }
    const atSize = claims.filter((current) => current.size === record.tree_size);
    if (atSize.length === 0) {
      return fail(
        stored.length,
        null,
        `the pruning of events 1–${record.tree_size} has no signed checkpoint at size ${record.tree_size}`,
      );
    }
    // Every checkpoint at P, external ones included: one of another history must not be skipped.
    const edge = decodeEdge(record.edge, record.tree_size);
    const root = edge === null ? null : rootOfEdge(edge);
    const mismatch = atSize.find((current) => root === null || !same(root, current.root));
    if (mismatch !== undefined) {
      return fail(
        stored.length,
        null,
        `the tree edge kept by the pruning of events 1–${record.tree_size} does not match the ${mismatch.label}: the pruning record was altered`,
      );
    }
  }

  // Every kept link must prove that the signed tree at its size is a prefix of the tree at the
  // pruned size it leads to, whose root the check above tied to a signed checkpoint.
  const links = await source.links();
  for (const link of links) {
    const record = prunings.find((row) => row.tree_size === link.to_size);
    const edge = record === undefined ? null : decodeEdge(record.edge, record.tree_size);
    const toRoot = edge === null ? null : rootOfEdge(edge);
    const proof = decodeHashes(link.proof);
    const from = claims.filter((current) => current.size === link.from_size);
    const name = `the kept consistency proof from size ${link.from_size} to the pruned size ${link.to_size}`;
    if (toRoot === null || proof === null || from.length === 0) {
      return fail(
        stored.length,
        null,
        `${name} does not lead from a signed checkpoint to a pruning: it was altered`,
      );
    }
    for (const current of from) {
      try {
        verifyConsistency(link.from_size, link.to_size, proof, current.root, toRoot);
      } catch (error) {
        if (!(error instanceof TransparencyError)) throw error;
        return fail(
          stored.length,
          null,
          `${name} does not verify against the ${current.label}: it was altered`,
        );
      }
    }
  }
  const linked = new Set(links.map((link) => link.from_size));
  unlinked = stored.filter(
    (row) => row.tree_size < (pruned?.size ?? 0) && !linked.has(row.tree_size),
  ).length;

  // The right edge of the tree: hashes of the complete subtrees, largest first (RFC 9162 §2.1.1).
  // After a pruning it starts as the checked edge at the pruned size.
  const edge: Uint8Array[] =
    lastPruning === undefined ? [] : (decodeEdge(lastPruning.edge, lastPruning.tree_size) ?? []);
  count = pruned?.size ?? 0;
  let claim = 0;
  while ((claims[claim]?.size ?? Infinity) <= count) {
    if ((claims[claim]?.size ?? 0) < count) signatureOnly += 1;
    claim += 1;
  }
  const leftOver = pruned === null ? 0 : await source.countUpTo(count);
  if (leftOver > 0) {
    return fail(
      stored.length,
      null,
      `events 1–${count} were pruned, yet ${leftOver} of them are stored again`,
    );
  }

  for await (const batch of source.batches(count)) {
    for (const row of batch.rows) {
      const seq = row[0];
      const expectedSeq = count + 1;
      if (seq !== expectedSeq) {
        return fail(
          stored.length,
          expectedSeq,
          `event ${expectedSeq} is missing (the next event is ${seq})`,
        );
      }
      let hash = rawAuditLeafHash(row);
      if (!hash.equals(row[10])) {
        return fail(
          stored.length,
          seq,
          `event ${seq} was altered: its content does not match its hash`,
        );
      }
      let level = 0;
      let index = count;
      while (index % 2 === 1) {
        const left = edge.pop();
        if (left === undefined) throw new Error('tree edge underflow');
        hash = auditNodeHash(left, hash);
        level += 1;
        index = (index - 1) / 2;
        const storedHash = batch.storedNode(level, index);
        if (storedHash === undefined || !hash.equals(storedHash)) {
          const first = Math.max(index * 2 ** level + 1, (pruned?.size ?? 0) + 1);
          return fail(
            stored.length,
            first,
            `events ${first}–${index * 2 ** level + 2 ** level} do not match the stored tree: one of them was altered`,
          );
        }
      }
      edge.push(hash);
      count += 1;
      while (claims[claim]?.size === count) {
        const current = claims[claim];
        const root = rootOfEdge(edge);
        if (current !== undefined && (root === null || !same(root, current.root))) {
          return fail(
            stored.length,
            null,
            `the events up to ${count} do not match the ${current.label}: an event up to ${count} was altered, removed, inserted or reordered`,
          );
        }
        claim += 1;
      }
    }
  }
  const beyond = claims[claim];
  if (beyond !== undefined) {
    return fail(
      stored.length,
      count + 1,
      `the log was truncated: the ${beyond.label} covers ${beyond.size} events but only ${count} exist`,
    );
  }
  return {
    events: count,
    checkpoints: claims.length,
    pruned,
    signatureOnly,
    unlinked,
    problem: null,
  };

  function fail(checkpoints: number, seq: number | null, message: string): AuditVerification {
    return {
      events: count,
      checkpoints,
      pruned,
      signatureOnly,
      unlinked,
      problem: { seq, message },
    };
  }
}
