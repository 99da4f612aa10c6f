import { describe, expect, it } from 'vitest';
import { createRequestIds } from './createRequestIds.js';

describe('createRequestIds', () => {
  it('counts from 1', () => {
    const next = createRequestIds(() => false);
    expect([next(), next(), next()]).toEqual([1, 2, 3]);
  });

  it('wraps after 2^32-1 to 1, never to 0', () => {
    const next = createRequestIds(() => false, 0xffff_fffe);
    expect([next(), next(), next()]).toEqual([0xffff_fffe, 0xffff_ffff, 1]);
  });

  it('skips ids still in flight', () => {
    const busy = new Set([1, 2, 4]);
    const next = createRequestIds((id) => busy.has(id), 0xffff_ffff);
    expect([next(), next(), next()]).toEqual([0xffff_ffff, 3, 5]);
  });
});
