import { auditNodeHash } from './auditLeaf.js';

/** SHA-256 output size: every edge hash has it. */
const HASH_BYTES = 32;

/** One complete subtree of the left edge: 2^level leaves starting at leaf idx * 2^level. */
export interface EdgePosition {
  readonly level: number;
  readonly idx: number;
}

/**
 * The complete subtrees that cover leaves [0, size), largest first: one per set bit of `size`
 * (RFC 9162 §2.1.1 splits at the largest power of two, so these are exactly the left parts the
 * tree of any larger size is built on). Arithmetic, not bit operators: sizes go past 2^32.
 */
export function edgePositions(size: number): EdgePosition[] {
  const positions: EdgePosition[] = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      positions.push({ level, idx: start / width });
      start += width;
    }
  }
  return positions;
}

/** The root of the tree whose left edge these are: fold from the smallest subtree up. */
export function rootOfEdge(edge: readonly Uint8Array[]): Uint8Array | null {
  if (edge.length === 0) return null;
  return edge.reduceRight((right, left) => auditNodeHash(left, right));
}

export function encodeEdge(edge: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(edge.map((hash) => Buffer.from(hash)));
}

/** Splits a stored edge; null when its length does not fit the size (a damaged record). */
export function decodeEdge(bytes: Uint8Array, size: number): Uint8Array[] | null {
  const count = edgePositions(size).length;
  if (bytes.length !== count * HASH_BYTES) return null;
  return Array.from({ length: count }, (_, i) =>
    Uint8Array.from(bytes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)),
  );
}

/** The checkpoint extension line that records a pruning: `pruned <P> <ISO time>`. */
export function formatPrunedExtension(size: number, at: string): string {
  return `pruned ${size} ${at}`;
}

const PRUNED_LINE = /^pruned (0|[1-9][0-9]*) (\S+)$/;

/** Reads a `pruned` extension line; null for any other extension (they are opaque to us). */
export function parsePrunedExtension(line: string): { size: number; at: string } | null {
  const match = PRUNED_LINE.exec(line);
  if (match === null) return null;
  return { size: Number(match[1]), at: match[2] ?? '' };
}
