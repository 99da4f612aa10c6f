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

/** The variants a build writes beside a file (pwa/scripts/precompress.mjs), and how each decodes. */
const VARIANTS = {
  brotli: { suffix: '.br', decode: zlib.brotliDecompressSync },
  gzip: { suffix: '.gz', decode: zlib.gunzipSync },
} as const;

const VARIANT_SUFFIX = /\.(br|gz)$/;

/**
 * The variant the build wrote beside `file`, if it decodes to exactly the file as it is now: a
 * variant from another build, or one cut short (a copy taken while a build wrote it), is not used.
 */
function builtVariant(file: string, body: Buffer, kind: keyof typeof VARIANTS): Buffer | null {
  let variant: Buffer;
  try {
    variant = fs.readFileSync(file + VARIANTS[kind].suffix);
  } catch {
    return null;
  }
  try {
    // One byte more than the file is enough to tell a longer content apart.
    const decoded = VARIANTS[kind].decode(variant, { maxOutputLength: body.length + 1 });
    return decoded.equals(body) ? variant : null;
  } catch {
    return null;
  }
}

function compressed(
  file: string,
  body: Buffer,
  contentType: string,
): Pick<StaticAsset, 'brotli' | 'gzip'> {
  if (body.length < MIN_COMPRESS_BYTES || !COMPRESSIBLE.test(contentType)) {
    return { brotli: null, gzip: null };
  }
  const brotli =
    builtVariant(file, body, 'brotli') ??
    zlib.brotliCompressSync(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
  const gzip =
    builtVariant(file, body, 'gzip') ??
    zlib.gzipSync(body, { level: zlib.constants.Z_BEST_COMPRESSION });
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
 * Compressed variants come from the build (`<file>.br`, `<file>.gz`, checked to decode to their
 * file), so a start does not spend a second at the highest levels; a file without them (a
 * directory built otherwise) is compressed here, once, instead of per request. A variant is not
 * a file of its own: `/x.js.br` is not served.
 */
export function loadStaticAssets(dir: string): StaticAssets {
  const assets = new Map<string, StaticAsset>();
  const files = [...filesBelow(dir)];
  const plain = new Set(files);
  for (const file of files) {
    if (VARIANT_SUFFIX.test(file) && plain.has(file.replace(VARIANT_SUFFIX, ''))) continue;
    const urlPath = '/' + path.relative(dir, file).split(path.sep).join('/');
    const body = fs.readFileSync(file);
    const contentType = contentTypeOf(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(urlPath, {
      body,
      contentType,
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      etag,
      ...compressed(file, body, contentType),
    });
  }
  return assets;
}
