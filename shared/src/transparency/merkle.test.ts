import { createHash } from 'node:crypto';

import { hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { consistencyProof } from './consistencyProof.js';
import { emptyRoot } from './emptyRoot.js';
import { Frontier } from './Frontier.js';
import { hashChildren } from './hashChildren.js';
import { hashLeaf } from './hashLeaf.js';
import { inclusionProof } from './inclusionProof.js';
import { rangeHash } from './rangeHash.js';
import { rootHash } from './rootHash.js';
import { TransparencyError } from './TransparencyError.js';
import { verifyConsistency } from './verifyConsistency.js';
import { verifyInclusion } from './verifyInclusion.js';

// Reference data of transparency-dev/merkle (proof/verify_test.go, testonly/constants.go): the
// eight RFC 6962 test leaves, the roots of their first 1..8 leaves, and known proofs.
const leaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hexToBytes);
const referenceRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', // size 0: SHA-256("")
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const referenceInclusionProofs: [index: number, size: number, proof: string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const referenceConsistencyProofs: [size1: number, size2: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const referenceLeafHashes = leaves.map(hashLeaf);
const getReferenceLeaf = (i: number): Uint8Array => {
  const hash = referenceLeafHashes[i];
  if (hash === undefined) throw new Error(`no leaf ${i}`);
  return hash;
};
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof TransparencyError ? error.code : 'NOT_A_TRANSPARENCY_ERROR';
  }
}

/** A copy of `hashes` with one bit flipped in element `which`. */
function flipBit(hashes: readonly Uint8Array[], which: number, bit: number): Uint8Array[] {
  return hashes.map((hash, i) => {
    if (i !== which) return hash;
    const copy = hash.slice();
    copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    return copy;
  });
}

function flip(hash: Uint8Array, bit: number): Uint8Array {
  const [flipped] = flipBit([hash], 0, bit);
  if (flipped === undefined) throw new Error('unreachable');
  return flipped;
}

/** Deterministic distinct leaf hashes for property tests. */
function syntheticLeaves(count: number, seed: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) =>
    hashLeaf(Uint8Array.of(seed & 0xff, i & 0xff, i >> 8)),
  );
}

describe('hashing (RFC 9162 §2.1.1)', () => {
  it('hashes the empty tree as SHA-256 of the empty string', () => {
    expect(hex(emptyRoot())).toBe(referenceRoots[0]);
  });

  it('prefixes leaves with 0x00 and nodes with 0x01', () => {
    expect(hex(hashLeaf(new Uint8Array(0)))).toBe(referenceRoots[1]);
    const left = getReferenceLeaf(0);
    const right = getReferenceLeaf(1);
    expect(hex(hashChildren(left, right))).toBe(referenceRoots[2]);
    expect(hex(hashChildren(right, left))).not.toBe(referenceRoots[2]);
  });

  it('refuses child hashes of the wrong size', () => {
    expect(codeOf(() => hashChildren(new Uint8Array(31), new Uint8Array(32)))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('known roots of the RFC 6962 test leaves', () => {
  it.each(referenceRoots.map((root, size) => [size, root] as const))('size %i', (size, root) => {
    expect(hex(rootHash(size, getReferenceLeaf))).toBe(root);
  });

  it('are reached by the frontier at every size', () => {
    const frontier = Frontier.empty();
    const seen = [hex(frontier.root())];
    for (const hash of referenceLeafHashes) {
      frontier.append(hash);
      seen.push(hex(frontier.root()));
    }
    expect(seen).toEqual(referenceRoots);
  });
});

describe('proof generation matches the reference proofs', () => {
  it.each(referenceInclusionProofs)('inclusion of leaf %i in size %i', (index, size, proof) => {
    const generated = inclusionProof(index, size, getReferenceLeaf);
    expect(generated.map(hex)).toEqual(proof);
    const root = hexToBytes(referenceRoots[size] ?? '');
    expect(() => {
      verifyInclusion(getReferenceLeaf(index), index, size, generated, root);
    }).not.toThrow();
  });

  it.each(referenceConsistencyProofs)('consistency from %i to %i', (size1, size2, proof) => {
    const generated = consistencyProof(size1, size2, getReferenceLeaf);
    expect(generated.map(hex)).toEqual(proof);
    const root1 = hexToBytes(referenceRoots[size1] ?? '');
    const root2 = hexToBytes(referenceRoots[size2] ?? '');
    expect(() => {
      verifyConsistency(size1, size2, generated, root1, root2);
    }).not.toThrow();
  });

  it('refuses impossible requests', () => {
    expect(codeOf(() => inclusionProof(8, 8, getReferenceLeaf))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => inclusionProof(-1, 8, getReferenceLeaf))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => consistencyProof(5, 4, getReferenceLeaf))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => consistencyProof(0, 4, getReferenceLeaf))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => rootHash(2, () => new Uint8Array(3)))).toBe('INVALID_ARGUMENT');
    const badSubtree = { leafHash: getReferenceLeaf, subtreeHash: () => new Uint8Array(3) };
    expect(codeOf(() => inclusionProof(0, 8, badSubtree))).toBe('INVALID_ARGUMENT');
  });
});

describe('proof properties', () => {
  const sizeAndIndex = fc
    .integer({ min: 1, max: 300 })
    .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));
  const sizePair = fc
    .integer({ min: 1, max: 300 })
    .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2)));

  it('generated inclusion proofs verify, and any single-bit flip is refused', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.nat(), ([size, index], seed, bitSeed) => {
        const hashes = syntheticLeaves(size, seed);
        const get = (i: number): Uint8Array => hashes[i] ?? new Uint8Array(0);
        const root = rootHash(size, get);
        const leaf = get(index);
        const proof = inclusionProof(index, size, get);
        verifyInclusion(leaf, index, size, proof, root);

        const bit = bitSeed % 256;
        const refused = (run: () => void): boolean => codeOf(run) === 'INCLUSION_PROOF_INVALID';
        expect(
          refused(() => {
            verifyInclusion(flip(leaf, bit), index, size, proof, root);
          }),
        ).toBe(true);
        expect(
          refused(() => {
            verifyInclusion(leaf, index, size, proof, flip(root, bit));
          }),
        ).toBe(true);
        proof.forEach((_, i) => {
          expect(
            refused(() => {
              verifyInclusion(leaf, index, size, flipBit(proof, i, bit), root);
            }),
          ).toBe(true);
        });
        if (size > 1) {
          expect(
            refused(() => {
              verifyInclusion(leaf, (index + 1) % size, size, proof, root);
            }),
          ).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('generated consistency proofs verify, and any single-bit flip is refused', () => {
    fc.assert(
      fc.property(sizePair, fc.nat(), fc.nat(), ([size1, size2], seed, bitSeed) => {
        const hashes = syntheticLeaves(size2, seed);
        const get = (i: number): Uint8Array => hashes[i] ?? new Uint8Array(0);
        const root1 = rootHash(size1, get);
        const root2 = rootHash(size2, get);
        const proof = consistencyProof(size1, size2, get);
        verifyConsistency(size1, size2, proof, root1, root2);

        const bit = bitSeed % 256;
        const refused = (run: () => void): boolean => codeOf(run) === 'CONSISTENCY_PROOF_INVALID';
        expect(
          refused(() => {
            verifyConsistency(size1, size2, proof, flip(root1, bit), root2);
          }),
        ).toBe(true);
        expect(
          refused(() => {
            verifyConsistency(size1, size2, proof, root1, flip(root2, bit));
          }),
        ).toBe(true);
        proof.forEach((_, i) => {
          expect(
            refused(() => {
              verifyConsistency(size1, size2, flipBit(proof, i, bit), root1, root2);
            }),
          ).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('stored subtree hashes give the same proofs and roots as leaf hashes alone', () => {
    fc.assert(
      fc.property(sizePair, fc.nat(), ([size1, size2], seed) => {
        const hashes = syntheticLeaves(size2, seed);
        const leafHash = (i: number): Uint8Array => hashes[i] ?? new Uint8Array(0);
        let lookups = 0;
        const subtreeHash = (level: number, index: number): Uint8Array => {
          lookups++;
          const width = 2 ** level;
          return rangeHash(index * width, (index + 1) * width, { leafHash });
        };
        const source = { leafHash, subtreeHash };
        expect(rootHash(size2, source)).toEqual(rootHash(size2, leafHash));
        expect(consistencyProof(size1, size2, source)).toEqual(
          consistencyProof(size1, size2, leafHash),
        );
        expect(inclusionProof(size1 - 1, size2, source)).toEqual(
          inclusionProof(size1 - 1, size2, leafHash),
        );
        if (size2 > 1) expect(lookups).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });
});

describe('Frontier', () => {
  it('has the recursive root at every size up to 300, and at sizes around powers of two', () => {
    const hashes = syntheticLeaves(4200, 7);
    const get = (i: number): Uint8Array => hashes[i] ?? new Uint8Array(0);
    const checkpoints = new Set([1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, 4200]);
    const frontier = Frontier.empty();
    let checked = 0;
    for (let size = 0; size <= hashes.length; size++) {
      expect(frontier.size).toBe(size);
      if (size <= 300 || checkpoints.has(size)) {
        expect(frontier.root()).toEqual(rootHash(size, get));
        checked++;
      }
      const next = hashes[size];
      if (next !== undefined) frontier.append(next);
    }
    expect(checked).toBe(301 + checkpoints.size);
  });

  it('uses an injected SHA-256 and gets the same roots', () => {
    let calls = 0;
    const counting = (data: Uint8Array): Uint8Array => {
      calls++;
      return new Uint8Array(createHash('sha256').update(data).digest());
    };
    const native = Frontier.empty({ sha256: counting });
    const noble = Frontier.empty();
    syntheticLeaves(100, 3).forEach((hash) => {
      native.append(hash);
      noble.append(hash);
    });
    expect(native.root()).toEqual(noble.root());
    expect(calls).toBeGreaterThan(90);
    const broken = Frontier.empty({ sha256: () => new Uint8Array(8) });
    broken.append(getReferenceLeaf(0));
    expect(
      codeOf(() => {
        broken.append(getReferenceLeaf(1));
      }),
    ).toBe('INVALID_ARGUMENT');
  });

  it('has the recursive root for random leaves, and survives restore and clone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 200 }),
        (entries) => {
          const hashes = entries.map(hashLeaf);
          const frontier = Frontier.empty();
          hashes.forEach((hash) => {
            frontier.append(hash);
          });
          const root = rootHash(hashes.length, (i) => hashes[i] ?? new Uint8Array(0));
          expect(frontier.root()).toEqual(root);
          const restored = Frontier.restore(frontier.size, frontier.hashes());
          expect(restored.root()).toEqual(root);
          const clone = frontier.clone();
          clone.append(hashLeaf(new Uint8Array(1)));
          expect(frontier.root()).toEqual(root);
          expect(clone.root()).not.toEqual(root);
        },
      ),
    );
  });

  it('refuses a leaf hash of the wrong size and an inconsistent restore', () => {
    expect(
      codeOf(() => {
        Frontier.empty().append(new Uint8Array(31));
      }),
    ).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => Frontier.restore(3, [new Uint8Array(32)]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => Frontier.restore(-1, []))).toBe('INVALID_ARGUMENT');
  });
});
