/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) beside every text file
 * of the built app, once, at build time: the relay serves these rather than compressing the whole
 * app on every start (relay/src/static/loadStaticAssets.ts, which uses a variant only if it
 * decodes to its file). Runs after `vite build`, so the service worker and its precache manifest
 * are written already and name none of these files.
 *
 *   node scripts/precompress.mjs [dist]
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** The files the relay would compress (its content types: text, JSON, JS, wasm, XML, SVG). */
const TEXT = /\.(html|js|mjs|css|json|webmanifest|wasm|xml|svg|txt)$/;
/** Below this size a compressed variant saves less than its headers cost (the relay's rule too). */
const MIN_BYTES = 512;

function* filesBelow(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesBelow(full);
    else if (entry.isFile()) yield full;
  }
}

const dir = path.resolve(process.argv[2] ?? 'dist');
const started = performance.now();
const files = [...filesBelow(dir)].filter((file) => /\.(br|gz)$/.test(file) === false);
let written = 0;
// Compression runs on libuv's thread pool: all files at once use every core.
await Promise.all(
  files.map(async (file) => {
    const body = fs.readFileSync(file);
    if (!TEXT.test(file) || body.length < MIN_BYTES) return;
    const [br, gz] = await Promise.all([
      brotli(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
      gzip(body, { level: zlib.constants.Z_BEST_COMPRESSION }),
    ]);
    fs.writeFileSync(`${file}.br`, br);
    fs.writeFileSync(`${file}.gz`, gz);
    written += 1;
  }),
);
console.log(
  `precompressed ${written} files in ${path.relative(process.cwd(), dir) || '.'} ` +
    `(brotli 11, gzip 9) in ${Math.round(performance.now() - started)} ms`,
);
