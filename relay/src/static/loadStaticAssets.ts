import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { lookup } from 'mrmime';

/** One file of the built PWA, held in memory with its precompressed variants. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly brotli: Buffer | null;
  readonly gzip: Buffer | null;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly etag: string;
}

export type StaticAssets = ReadonlyMap<string, StaticAsset>;

/** Vite names files under /assets/ by content hash, so a given URL never changes meaning. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, sw.js, the manifest, icons) is revalidated on every use by ETag. */
const REVALIDATE = 'no-cache';

const COMPRESSIBLE =
  /^(text\/|application\/(javascript|json|manifest\+json|wasm|xml)|image\/svg\+xml)/;
/** Below this size a compressed variant saves less than its headers cost. */
const MIN_COMPRESS_BYTES = 512;

/** Types mrmime does not know: the PWA's favicon.ico (the type the icon generator declares). */
const MORE_TYPES: Readonly<Record<string, string>> = { '.ico': 'image/x-icon' };

function contentTypeOf(file: string): string {
  const type = lookup(file) ?? MORE_TYPES[path.extname(file)] ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type.endsWith('+json')
    ? `${type}; charset=utf-8`
    : type;
}

function compressed(body: Buffer, contentType: string): Pick<StaticAsset, 'brotli' | 'gzip'> {
  if (body.length < MIN_COMPRESS_BYTES || !COMPRESSIBLE.test(contentType)) {
    return { brotli: null, gzip: null };
  }
  const brotli = zlib.brotliCompressSync(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const gzip = zlib.gzipSync(body, { level: zlib.constants.Z_BEST_COMPRESSION });
  return {
    brotli: brotli.length < body.length ? brotli : null,
    gzip: gzip.length < body.length ? gzip : null,
  };
}

function* filesBelow(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesBelow(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * Reads the whole built PWA into memory, keyed by URL path. It is a few hundred kilobytes, and
 * serving from a map means no request can name a file outside it: there is no path to traverse.
 * Compression is done once here, at the highest levels, instead of per request.
 */
export function loadStaticAssets(dir: string): StaticAssets {
  const assets = new Map<string, StaticAsset>();
  for (const file of filesBelow(dir)) {
    const urlPath = '/' + path.relative(dir, file).split(path.sep).join('/');
    const body = fs.readFileSync(file);
    const contentType = contentTypeOf(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(urlPath, {
      body,
      contentType,
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      etag,
      ...compressed(body, contentType),
    });
  }
  return assets;
}
