import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  bitAt,
  bitLength,
  largestPowerOfTwoBelow,
  popCount,
  shiftRight,
  trailingZeros,
  xor,
} from './bits.js';

// Sizes reach 2^53 - 1, past JavaScript's 32-bit bitwise operators: compare with BigInt.
const safe = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 0, max: 2 ** 33 }),
  fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52, Number.MAX_SAFE_INTEGER),
);

describe('bits on 53-bit sizes', () => {
  it('agree with BigInt', () => {
    fc.assert(
      fc.property(safe, safe, fc.integer({ min: 0, max: 52 }), (x, y, n) => {
        const bx = BigInt(x);
        expect(bitLength(x)).toBe(x === 0 ? 0 : bx.toString(2).length);
        expect(popCount(x)).toBe(bx.toString(2).replaceAll('0', '').length);
        expect(xor(x, y)).toBe(Number(bx ^ BigInt(y)));
        expect(shiftRight(x, n)).toBe(Number(bx >> BigInt(n)));
        expect(bitAt(x, n)).toBe(Number((bx >> BigInt(n)) & 1n));
        if (x > 0) {
          const binary = bx.toString(2);
          expect(trailingZeros(x)).toBe(binary.length - 1 - binary.lastIndexOf('1'));
        }
        if (x >= 2) {
          const k = largestPowerOfTwoBelow(x);
          expect(k < x && k * 2 >= x).toBe(true);
          expect(popCount(k)).toBe(1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
