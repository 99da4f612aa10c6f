import { describe, expect, it } from 'vitest';
import type { StaticAsset } from '../static/loadStaticAssets.js';
import { serveStatic } from './serveStatic.js';

const index: StaticAsset = {
  body: Buffer.from('<!doctype html>'),
  brotli: Buffer.from('br-bytes'),
  gzip: null,
  contentType: 'text/html; charset=utf-8',
  cacheControl: 'no-cache',
  etag: '"index"',
};
const assets = new Map([['/index.html', index]]);
const get = (path: string, extra: Partial<{ acceptEncoding: string; ifNoneMatch: string }> = {}) =>
  serveStatic(assets, { path, acceptEncoding: '', ifNoneMatch: '', ...extra });
const header = (reply: ReturnType<typeof get>, name: string) =>
  reply.headers?.find(([key]) => key === name)?.[1];

describe('serveStatic', () => {
  it('answers client-side routes with the app shell', () => {
    for (const path of ['/', '/settings', '/conversations/abc']) {
      const reply = get(path);
      expect(reply.status).toBe('200 OK');
      expect(reply.body).toEqual(index.body);
    }
  });

  it('answers unknown paths with 404 rather than the app', () => {
    expect(get('/nope').status).toBe('404 Not Found');
    expect(get('/index.html/../etc/passwd').status).toBe('404 Not Found');
  });

  it('sends the compressed variant the client accepts, with Vary', () => {
    const reply = get('/index.html', { acceptEncoding: 'gzip, br' });
    expect(reply.body).toEqual(index.brotli);
    expect(header(reply, 'Content-Encoding')).toBe('br');
    expect(header(reply, 'Vary')).toBe('Accept-Encoding');
  });

  it('answers a matching If-None-Match with 304 and no body', () => {
    const reply = get('/index.html', { ifNoneMatch: 'W/"other", W/"index"' });
    expect(reply.status).toBe('304 Not Modified');
    expect(reply.body).toBeUndefined();
    expect(header(reply, 'ETag')).toBe('"index"');
  });
});
