import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadStaticAssets, type StaticAssets } from './loadStaticAssets.js';

describe('loadStaticAssets', () => {
  let dir: string;
  let assets: StaticAssets;
  const script = 'export const greeting = "hello";\n'.repeat(100);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-static-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), script);
    fs.writeFileSync(path.join(dir, 'manifest.webmanifest'), '{}');
    fs.writeFileSync(path.join(dir, 'icon.png'), Buffer.alloc(600, 1));
    fs.writeFileSync(path.join(dir, 'favicon.ico'), Buffer.alloc(600, 2));
    assets = loadStaticAssets(dir);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keys files by URL path', () => {
    expect([...assets.keys()].sort()).toEqual([
      '/assets/index-abc123.js',
      '/favicon.ico',
      '/icon.png',
      '/index.html',
      '/manifest.webmanifest',
    ]);
  });

  it('gives content types with a charset for text', () => {
    expect(assets.get('/index.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('/assets/index-abc123.js')?.contentType).toBe(
      'text/javascript; charset=utf-8',
    );
    expect(assets.get('/manifest.webmanifest')?.contentType).toBe(
      'application/manifest+json; charset=utf-8',
    );
    expect(assets.get('/icon.png')?.contentType).toBe('image/png');
    expect(assets.get('/favicon.ico')?.contentType).toBe('image/x-icon');
  });

  it('caches hashed assets for a year and revalidates everything else', () => {
    expect(assets.get('/assets/index-abc123.js')?.cacheControl).toBe(
      'public, max-age=31536000, immutable',
    );
    expect(assets.get('/index.html')?.cacheControl).toBe('no-cache');
    expect(assets.get('/manifest.webmanifest')?.cacheControl).toBe('no-cache');
  });

  it('precompresses text that is worth it, and the variants decode to the original', () => {
    const js = assets.get('/assets/index-abc123.js');
    expect(js?.brotli).not.toBeNull();
    expect(zlib.brotliDecompressSync(js?.brotli ?? Buffer.alloc(0)).toString()).toBe(script);
    expect(zlib.gunzipSync(js?.gzip ?? Buffer.alloc(0)).toString()).toBe(script);
    expect(assets.get('/icon.png')?.brotli).toBeNull(); // binary: not compressed
    expect(assets.get('/index.html')?.brotli).toBeNull(); // too small to gain
  });

  it('derives a strong ETag from the content', () => {
    expect(assets.get('/index.html')?.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(assets.get('/index.html')?.etag).not.toBe(assets.get('/icon.png')?.etag);
  });

  describe('with the variants a build wrote beside the files', () => {
    let built: string;
    const css = 'body { color: black; }\n'.repeat(100);
    const brotliFast = (text: string) =>
      zlib.brotliCompressSync(text, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });

    beforeAll(() => {
      built = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-static-'));
      fs.mkdirSync(path.join(built, 'assets'));
      const file = (name: string) => path.join(built, 'assets', name);
      // Made at levels the relay never uses, so a test can tell them from its own.
      fs.writeFileSync(file('index-abc123.js'), script);
      fs.writeFileSync(file('index-abc123.js.br'), brotliFast(script));
      fs.writeFileSync(file('index-abc123.js.gz'), zlib.gzipSync(script, { level: 1 }));
      // From an older build: they decode, but to other content.
      fs.writeFileSync(file('index-def456.css'), css);
      fs.writeFileSync(file('index-def456.css.br'), brotliFast(css.replace('black', 'white')));
      fs.writeFileSync(file('index-def456.css.gz'), zlib.gzipSync(`${css}/* more */`));
      // Cut short, as in a copy taken while a build wrote it; and plain garbage.
      fs.writeFileSync(file('app-ghi789.js'), script);
      fs.writeFileSync(file('app-ghi789.js.br'), brotliFast(script).subarray(0, 20));
      fs.writeFileSync(file('app-ghi789.js.gz'), Buffer.from('not gzip at all'));
      // A compressed file the app itself ships, with no plain file beside it.
      fs.writeFileSync(file('data.bin.gz'), zlib.gzipSync(Buffer.alloc(600, 3)));
    });

    afterAll(() => {
      fs.rmSync(built, { recursive: true, force: true });
    });

    it('serves the variants as they are when they decode to their file', () => {
      const assets = loadStaticAssets(built);
      const js = assets.get('/assets/index-abc123.js');
      expect(js?.brotli?.equals(brotliFast(script))).toBe(true);
      expect(
        js?.gzip?.equals(fs.readFileSync(path.join(built, 'assets', 'index-abc123.js.gz'))),
      ).toBe(true);
    });

    it('compresses a file afresh when its variants are stale, cut short or not compressed', () => {
      const assets = loadStaticAssets(built);
      for (const [url, text] of [
        ['/assets/index-def456.css', css],
        ['/assets/app-ghi789.js', script],
      ] as const) {
        const asset = assets.get(url);
        expect(zlib.brotliDecompressSync(asset?.brotli ?? Buffer.alloc(0)).toString(), url).toBe(
          text,
        );
        expect(zlib.gunzipSync(asset?.gzip ?? Buffer.alloc(0)).toString(), url).toBe(text);
      }
    });

    it('serves no variant as a file of its own', () => {
      expect([...loadStaticAssets(built).keys()].sort()).toEqual([
        '/assets/app-ghi789.js',
        '/assets/data.bin.gz',
        '/assets/index-abc123.js',
        '/assets/index-def456.css',
      ]);
    });
  });

  describe('with a cache directory, for an app built without variants', () => {
    let plain: string;
    let cacheDir: string;
    const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
    const cached = (text: string, suffix: string) => path.join(cacheDir, hashOf(text) + suffix);

    beforeEach(() => {
      plain = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-static-'));
      cacheDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-data-')), 'cache');
      fs.writeFileSync(path.join(plain, 'index-abc123.js'), script);
      fs.writeFileSync(path.join(plain, 'icon.png'), Buffer.alloc(600, 1));
    });

    afterEach(() => {
      fs.rmSync(plain, { recursive: true, force: true });
      fs.rmSync(path.dirname(cacheDir), { recursive: true, force: true });
    });

    it('keeps the variants it made under their file’s hash, and uses them at the next start', () => {
      loadStaticAssets(plain, { cacheDir });
      expect(fs.readdirSync(cacheDir).sort()).toEqual(
        [`${hashOf(script)}.br`, `${hashOf(script)}.gz`].sort(),
      );
      expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
      const fast = zlib.brotliCompressSync(script, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
      });
      fs.writeFileSync(cached(script, '.br'), fast);
      const again = loadStaticAssets(plain, { cacheDir });
      expect(again.get('/index-abc123.js')?.brotli?.equals(fast)).toBe(true);
    });

    it('makes a variant again when the kept one does not decode to the file', () => {
      loadStaticAssets(plain, { cacheDir });
      fs.writeFileSync(cached(script, '.gz'), zlib.gzipSync('something else'));
      const gzip = loadStaticAssets(plain, { cacheDir }).get('/index-abc123.js')?.gzip;
      expect(zlib.gunzipSync(gzip ?? Buffer.alloc(0)).toString()).toBe(script);
      expect(zlib.gunzipSync(fs.readFileSync(cached(script, '.gz'))).toString()).toBe(script);
    });

    it('drops the kept variants of files the app no longer has, and nothing else', () => {
      loadStaticAssets(plain, { cacheDir });
      const old = 'export const old = 1;\n'.repeat(100);
      fs.writeFileSync(cached(old, '.br'), Buffer.alloc(1));
      fs.writeFileSync(path.join(cacheDir, 'notes.txt'), 'not ours');
      loadStaticAssets(plain, { cacheDir });
      expect(fs.existsSync(cached(old, '.br'))).toBe(false);
      expect(fs.existsSync(path.join(cacheDir, 'notes.txt'))).toBe(true);
      expect(fs.existsSync(cached(script, '.br'))).toBe(true);
    });

    it('writes nothing for an app whose build made its variants', () => {
      fs.writeFileSync(path.join(plain, 'index-abc123.js.br'), zlib.brotliCompressSync(script));
      fs.writeFileSync(path.join(plain, 'index-abc123.js.gz'), zlib.gzipSync(script));
      loadStaticAssets(plain, { cacheDir });
      expect(fs.existsSync(cacheDir)).toBe(false);
    });
  });
});
