import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemRandom } from './Sodium.js';
import { createSeededRandom } from './createSeededRandom.js';

beforeAll(async () => {
  await sodium.ready;
});

describe('random sources', () => {
  it('systemRandom returns fresh bytes of any length, beyond the 64 KiB getRandomValues limit', () => {
    const random = systemRandom(sodium);
    expect(random(24)).not.toEqual(random(24));
    const big = random(70_000);
    expect(big.length).toBe(70_000);
    // The tail past 65,536 bytes is filled too (all-zero 4 KiB would be a bug, not chance).
    expect(big.subarray(65_536).some((b) => b !== 0)).toBe(true);
  });

  it('createSeededRandom is deterministic per seed and call index', () => {
    const seed = new Uint8Array(32).fill(1);
    const a = createSeededRandom(sodium, seed);
    const b = createSeededRandom(sodium, seed);
    const first = a(32);
    expect(b(32)).toEqual(first);
    expect(a(32)).not.toEqual(first);
    expect(createSeededRandom(sodium, new Uint8Array(32).fill(2))(32)).not.toEqual(first);
  });
});
