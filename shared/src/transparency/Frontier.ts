import { sha256 } from '@noble/hashes/sha2.js';

import { isTreeNumber, popCount } from './bits.js';
import { HASH_SIZE, NODE_HASH_PREFIX } from './constants.js';
import { emptyRoot } from './emptyRoot.js';
import { TransparencyError } from './TransparencyError.js';

/** A one-shot SHA-256: returns the digest of `data`, which it must not keep (it is reused). */
export type Sha256 = (data: Uint8Array) => Uint8Array;

export interface FrontierOptions {
  readonly sha256?: Sha256;
}

/**
 * The right edge of an append-only Merkle tree (a "compact range" over [0, size)): one perfect
 * subtree hash per set bit of `size`, largest first. Appending a leaf merges equal-sized subtrees
 * like a binary counter carry, so memory is O(log size), an append costs one node hash on
 * average, and the RFC 9162 §2.1.1 root of the current size is available at any time in
 * O(log size) hashes. The relay keeps one in memory; audit verification replays the log into one.
 *
 * SHA-256 is @noble/hashes' by default, which runs everywhere; a Node caller replaying millions of
 * leaves may pass a native one-shot SHA-256 (such as node:crypto's `hash`) through `options`.
 */
export class Frontier {
  #size: number;
  /** Perfect subtree hashes, left (largest) to right (smallest). */
  readonly #hashes: Uint8Array[];
  /** Reused input buffer for node hashes: 0x01 || left || right. */
  readonly #scratch = new Uint8Array(1 + 2 * HASH_SIZE);
  readonly #sha256: Sha256;

  private constructor(size: number, hashes: Uint8Array[], options: FrontierOptions) {
    this.#size = size;
    this.#hashes = hashes;
    this.#sha256 = options.sha256 ?? sha256;
    this.#scratch[0] = NODE_HASH_PREFIX;
  }

  /** An empty tree. */
  static empty(options: FrontierOptions = {}): Frontier {
    return new Frontier(0, [], options);
  }

  /**
   * Rebuilds a frontier from a stored {@link Frontier.hashes} result, so a restart need not
   * replay the log. The hashes are trusted: check the restored root against a signed checkpoint.
   */
  static restore(
    size: number,
    hashes: readonly Uint8Array[],
    options: FrontierOptions = {},
  ): Frontier {
    if (!isTreeNumber(size)) {
      throw new TransparencyError('INVALID_ARGUMENT', 'tree size must be a safe integer >= 0');
    }
    if (hashes.length !== popCount(size)) {
      throw new TransparencyError(
        'INVALID_ARGUMENT',
        `a tree of size ${size} has ${popCount(size)} frontier hashes, got ${hashes.length}`,
      );
    }
    if (hashes.some((hash) => hash.length !== HASH_SIZE)) {
      throw new TransparencyError('INVALID_ARGUMENT', `frontier hashes must be ${HASH_SIZE} bytes`);
    }
    return new Frontier(
      size,
      hashes.map((hash) => hash.slice()),
      options,
    );
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Copies of the perfect subtree hashes, largest subtree first, for {@link Frontier.restore}. */
  hashes(): Uint8Array[] {
    return this.#hashes.map((hash) => hash.slice());
  }

  /** An independent copy, e.g. to compute a root at a batch boundary while appending goes on. */
  clone(): Frontier {
    return new Frontier(this.#size, this.hashes(), { sha256: this.#sha256 });
  }

  /** Appends the hash of the next leaf (see hashLeaf). */
  append(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_SIZE) {
      throw new TransparencyError(
        'INVALID_ARGUMENT',
        `leaf hash has ${leafHash.length} bytes, expected ${HASH_SIZE}`,
      );
    }
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new TransparencyError('INVALID_ARGUMENT', 'tree size limit reached');
    }
    let hash: Uint8Array = leafHash.slice();
    // Each trailing 1 bit of the old size is a subtree of the same size as the one being carried:
    // merge them, exactly as adding 1 to a binary counter.
    for (let carry = this.#size; carry % 2 === 1; carry = (carry - 1) / 2) {
      const left = this.#hashes.pop();
      if (left === undefined) throw new TransparencyError('INVALID_ARGUMENT', 'corrupt frontier');
      hash = this.#hashNode(left, hash);
    }
    this.#hashes.push(hash);
    this.#size += 1;
  }

  /** The RFC 9162 root hash of the leaves appended so far: subtrees folded right to left. */
  root(): Uint8Array {
    let root: Uint8Array | undefined;
    for (let i = this.#hashes.length - 1; i >= 0; i--) {
      const hash = this.#hashes[i];
      if (hash === undefined) continue;
      root = root === undefined ? hash.slice() : this.#hashNode(hash, root);
    }
    return root ?? emptyRoot();
  }

  #hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
    this.#scratch.set(left, 1);
    this.#scratch.set(right, 1 + HASH_SIZE);
    const digest = this.#sha256(this.#scratch);
    if (digest.length !== HASH_SIZE) {
      throw new TransparencyError('INVALID_ARGUMENT', 'the SHA-256 function returned a wrong size');
    }
    return digest;
  }
}
