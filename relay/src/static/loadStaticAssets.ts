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
 * The variant in `variantFile`, if it decodes to exactly `body`, the file as it is now: a variant
 * from another build, or one cut short (a copy taken while a build wrote it), is not used.
 */
function variantIn(variantFile: string, body: Buffer, kind: keyof typeof VARIANTS): Buffer | null {
  let variant: Buffer;
  try {
    variant = fs.readFileSync(variantFile);
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

function compress(body: Buffer, kind: keyof typeof VARIANTS): Buffer {
  return kind === 'brotli'
    ? zlib.brotliCompressSync(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      })
    : zlib.gzipSync(body, { level: zlib.constants.Z_BEST_COMPRESSION });
}

/** Variants the relay made itself, kept between starts under the SHA-256 of their file. */
interface VariantCache {
  readonly dir: string;
  /** The names of the current files' variants: everything else in `dir` is from an older app. */
  readonly used: Set<string>;
}

const CACHED_NAME = /^[0-9a-f]{64}\.(br|gz)$/;

/** Keeps a variant for the next start; a cache that cannot be written costs only that time. */
function keep(cache: VariantCache, name: string, variant: Buffer): void {
  const target = path.join(cache.dir, name);
  const partial = `${target}.partial-${process.pid}`;
  try {
    fs.mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(partial, variant, { mode: 0o600 });
    fs.renameSync(partial, target);
  } catch {
    fs.rmSync(partial, { force: true });
  }
}

function prune(cache: VariantCache): void {
  let names: string[];
  try {
    names = fs.readdirSync(cache.dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (CACHED_NAME.test(name) && !cache.used.has(name)) {
      fs.rmSync(path.join(cache.dir, name), { force: true });
    }
  }
}

function variant(
  file: string,
  body: Buffer,
  hash: string,
  kind: keyof typeof VARIANTS,
  cache: VariantCache | null,
): Buffer {
  const built = variantIn(file + VARIANTS[kind].suffix, body, kind);
  if (built !== null || cache === null) return built ?? compress(body, kind);
  const name = hash + VARIANTS[kind].suffix;
  cache.used.add(name);
  const cached = variantIn(path.join(cache.dir, name), body, kind);
  if (cached !== null) return cached;
  const made = compress(body, kind);
  keep(cache, name, made);
  return made;
}

function compressed(
  file: string,
  body: Buffer,
  hash: string,
  contentType: string,
  cache: VariantCache | null,
): Pick<StaticAsset, 'brotli' | 'gzip'> {
  if (body.length < MIN_COMPRESS_BYTES || !COMPRESSIBLE.test(contentType)) {
    return { brotli: null, gzip: null };
  }
  const brotli = variant(file, body, hash, 'brotli', cache);
  const gzip = variant(file, body, hash, 'gzip', cache);
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

export interface LoadStaticAssetsOptions {
  /**
   * Where the variants the relay has to make itself (for files the build left without them) are
   * kept for the next start, named by the SHA-256 of their file; the relay's data directory.
   * Only the current files' variants are kept. Without it they are made at every start.
   */
  readonly cacheDir?: string;
}

/**
 * Reads the whole built PWA into memory, keyed by URL path. It is a few hundred kilobytes, and
 * serving from a map means no request can name a file outside it: there is no path to traverse.
 * Compressed variants come from the build (`<file>.br`, `<file>.gz`, checked to decode to their
 * file), so a start does not spend a second at the highest levels; a file without them (a
 * directory built otherwise) is compressed here, once per content with `cacheDir`, instead of per
 * request. A variant is not a file of its own: `/x.js.br` is not served.
 */
export function loadStaticAssets(dir: string, options: LoadStaticAssetsOptions = {}): StaticAssets {
  const assets = new Map<string, StaticAsset>();
  const cache: VariantCache | null =
    options.cacheDir === undefined ? null : { dir: options.cacheDir, used: new Set() };
  const files = [...filesBelow(dir)];
  const plain = new Set(files);
  for (const file of files) {
    if (VARIANT_SUFFIX.test(file) && plain.has(file.replace(VARIANT_SUFFIX, ''))) continue;
    const urlPath = '/' + path.relative(dir, file).split(path.sep).join('/');
    const body = fs.readFileSync(file);
    const contentType = contentTypeOf(file);
    const hash = createHash('sha256').update(body).digest();
    assets.set(urlPath, {
      body,
      contentType,
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      etag: `"${hash.toString('base64url').slice(0, 22)}"`,
      ...compressed(file, body, hash.toString('hex'), contentType, cache),
    });
  }
  if (cache !== null) prune(cache);
  return assets;
}
