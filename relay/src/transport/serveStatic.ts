import { isAppRoute } from '@vaultroom/shared';
import type { StaticAssets } from '../static/loadStaticAssets.js';
import { negotiateEncoding } from '../static/negotiateEncoding.js';
import { textReply, type Reply } from './respond.js';

export interface StaticRequest {
  readonly path: string;
  readonly acceptEncoding: string;
  readonly ifNoneMatch: string;
}

/**
 * Answers a GET for the built PWA: a file by its path, the app shell for a client-side route, and
 * 404 for anything else, so a mistyped URL is never silently answered with the app.
 */
export function serveStatic(assets: StaticAssets, request: StaticRequest): Reply {
  const assetPath = isAppRoute(request.path) ? '/index.html' : request.path;
  const asset = assets.get(assetPath);
  if (asset === undefined) return textReply('404 Not Found', 'Not found');

  const common: [string, string][] = [
    ['Cache-Control', asset.cacheControl],
    ['ETag', asset.etag],
    ['Vary', 'Accept-Encoding'],
  ];
  const matches = request.ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === asset.etag || tag === '*');
  if (matches) return { status: '304 Not Modified', headers: common };

  const { encoding, body } = negotiateEncoding(request.acceptEncoding, asset);
  const headers: [string, string][] = [['Content-Type', asset.contentType], ...common];
  if (encoding !== 'identity') headers.push(['Content-Encoding', encoding]);
  return { status: '200 OK', headers, body };
}
