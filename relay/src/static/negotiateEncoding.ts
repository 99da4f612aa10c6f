import type { StaticAsset } from './loadStaticAssets.js';

export type ContentEncoding = 'br' | 'gzip' | 'identity';

/** The codings a client accepts with a non-zero q-value (RFC 9110 §12.5.3). */
function acceptedCodings(header: string): Set<string> {
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (coding !== '' && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(coding);
  }
  return accepted;
}

/** Picks the smallest variant of `asset` that the client accepts. */
export function negotiateEncoding(
  acceptEncoding: string,
  asset: StaticAsset,
): { encoding: ContentEncoding; body: Buffer } {
  const accepted = acceptedCodings(acceptEncoding);
  if (asset.brotli !== null && accepted.has('br')) return { encoding: 'br', body: asset.brotli };
  if (asset.gzip !== null && accepted.has('gzip')) return { encoding: 'gzip', body: asset.gzip };
  return { encoding: 'identity', body: asset.body };
}
