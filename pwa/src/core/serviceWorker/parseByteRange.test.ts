import { describe, expect, it } from 'vitest';
import { parseByteRange } from './parseByteRange.js';

describe('parseByteRange', () => {
  it('reads a start, a start and end, and a suffix', () => {
    expect(parseByteRange('bytes=0-', 100)).toEqual({ first: 0, last: 99 });
    expect(parseByteRange('bytes=10-19', 100)).toEqual({ first: 10, last: 19 });
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ first: 90, last: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ first: 90, last: 99 });
    expect(parseByteRange('bytes=-500', 100)).toEqual({ first: 0, last: 99 });
  });

  it('serves the whole file for no range, several ranges or another unit', () => {
    expect(parseByteRange(null, 100)).toBeNull();
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseByteRange('items=0-1', 100)).toBeNull();
    expect(parseByteRange('bytes=-', 100)).toBeNull();
    expect(parseByteRange('bytes=20-10', 100)).toBeNull();
  });

  it('refuses a range outside the file', () => {
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});
