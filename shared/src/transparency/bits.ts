/**
 * Bit operations on tree sizes and indices. JavaScript's bitwise operators truncate to 32 bits,
 * but sizes go up to 2^53 - 1, so each value is split into a high and a low 32-bit half.
 */

const TWO_32 = 2 ** 32;

function high(x: number): number {
  return Math.floor(x / TWO_32);
}

function low(x: number): number {
  return x >>> 0;
}

function popCount32(v: number): number {
  let n = v >>> 0;
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function trailingZeros32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/** Whether `x` is a non-negative safe integer, the only values used as sizes and indices. */
export function isTreeNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Number of bits needed to write `x` (Go's bits.Len64); 0 for 0. */
export function bitLength(x: number): number {
  const h = high(x);
  return h !== 0 ? 64 - Math.clz32(h) : 32 - Math.clz32(low(x));
}

/** Number of set bits (Go's bits.OnesCount64). */
export function popCount(x: number): number {
  return popCount32(high(x)) + popCount32(low(x));
}

/** Number of trailing zero bits of a positive `x` (Go's bits.TrailingZeros64). */
export function trailingZeros(x: number): number {
  const l = low(x);
  return l !== 0 ? trailingZeros32(l) : 32 + trailingZeros32(high(x));
}

/** `x ^ y` for safe non-negative integers. */
export function xor(x: number, y: number): number {
  return ((high(x) ^ high(y)) >>> 0) * TWO_32 + ((low(x) ^ low(y)) >>> 0);
}

/** `x >> n` for safe non-negative integers. */
export function shiftRight(x: number, n: number): number {
  return Math.floor(x / 2 ** n);
}

/** Bit `i` of `x`, as 0 or 1. */
export function bitAt(x: number, i: number): number {
  return shiftRight(x, i) % 2;
}

/** The largest power of two strictly smaller than `n`, for n >= 2: the split point k of RFC 9162 §2.1.1. */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}
