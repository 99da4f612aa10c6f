import { describe, expect, it } from 'vitest';
import type { StaticAsset } from './loadStaticAssets.js';
import { negotiateEncoding } from './negotiateEncoding.js';

const asset: StaticAsset = {
  body: Buffer.from('plain'),
  brotli: Buffer.from('br'),
  gzip: Buffer.from('gz'),
  contentType: 'text/html; charset=utf-8',
  cacheControl: 'no-cache',
  etag: '"x"',
};

describe('negotiateEncoding', () => {
  it.each([
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['BR', 'br'],
    ['', 'identity'],
    ['deflate', 'identity'],
    ['br;q=0, gzip;q=0', 'identity'],
  ])('answers "%s" with %s', (header, expected) => {
    expect(negotiateEncoding(header, asset).encoding).toBe(expected);
  });

  it('falls back to identity when a variant was not worth keeping', () => {
    const small = { ...asset, brotli: null, gzip: null };
    expect(negotiateEncoding('br, gzip', small)).toEqual({
      encoding: 'identity',
      body: small.body,
    });
  });
});
