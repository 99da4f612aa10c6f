import fs from 'node:fs';
import { HEALTH_PATH, type HealthReport } from '@vaultroom/shared';
import * as uWS from 'uWebSockets.js';
import { StartupError } from '../lifecycle/StartupError.js';
import type { StaticAssets } from '../static/loadStaticAssets.js';
import type { BlobContext } from '../blobs/BlobContext.js';
import { handleBlobRequest } from './blobs/handleBlobRequest.js';
import { handleApiRequest, type ApiOptions } from './handleApiRequest.js';
import { isAllowedHost } from './isAllowedHost.js';
import { jsonReply, respond, textReply, type Reply } from './respond.js';
import { serveStatic } from './serveStatic.js';
import type { SessionSockets } from './sessionSockets.js';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface HttpsAppOptions {
  readonly tls: TlsFiles;
  readonly hostnames: readonly string[];
  readonly assets: StaticAssets;
  readonly health: () => HealthReport;
  readonly api: ApiOptions;
  readonly sockets: SessionSockets;
  /** File blobs (PROTOCOL.md §2.10): raw bodies streamed to disk, so not a JSON API route. */
  readonly blobs?: BlobContext | undefined;
}

/**
 * TLS 1.2 suites limited to ECDHE with an AEAD (forward secrecy, no CBC); TLS 1.3 is always on
 * and its suites are all AEAD. With no TLS 1.0/1.1-capable suite left, those versions cannot
 * complete a handshake.
 */
export const TLS_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20';

function assertReadable(file: string, what: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (error) {
    throw new StartupError('TLS_FILES_UNREADABLE', `cannot read the TLS ${what} at ${file}`, {
      cause: error,
    });
  }
}

/** The answer to a request for a host name that is not the relay's (see isAllowedHost). */
const MISDIRECTED = textReply(
  '421 Misdirected Request',
  'This relay does not serve that host name',
);

function route(options: HttpsAppOptions, req: uWS.HttpRequest): Reply {
  if (!isAllowedHost(req.getHeader('host'), options.hostnames)) return MISDIRECTED;
  const method = req.getCaseSensitiveMethod();
  if (method !== 'GET' && method !== 'HEAD') {
    return textReply('405 Method Not Allowed', 'Method not allowed', [['Allow', 'GET, HEAD']]);
  }
  const path = req.getUrl();
  if (path === HEALTH_PATH) return jsonReply('200 OK', options.health());
  return serveStatic(options.assets, {
    path,
    acceptEncoding: req.getHeader('accept-encoding'),
    ifNoneMatch: req.getHeader('if-none-match'),
  });
}

function blobRoute(options: HttpsAppOptions, res: uWS.HttpResponse, req: uWS.HttpRequest): void {
  if (!isAllowedHost(req.getHeader('host'), options.hostnames)) {
    respond(res, MISDIRECTED, false);
    return;
  }
  if (options.blobs === undefined) handleApiRequest(res, req, options.api);
  else handleBlobRequest(res, req, options.blobs);
}

/** The relay's public face: the PWA, the health check, and (in later steps) the API and socket. */
export function createHttpsApp(options: HttpsAppOptions): uWS.TemplatedApp {
  assertReadable(options.tls.certFile, 'certificate');
  assertReadable(options.tls.keyFile, 'private key');
  let app: uWS.TemplatedApp;
  try {
    app = uWS.SSLApp({
      cert_file_name: options.tls.certFile,
      key_file_name: options.tls.keyFile,
      ssl_ciphers: TLS_CIPHERS,
    });
  } catch (error) {
    throw new StartupError(
      'TLS_FILES_UNREADABLE',
      `the TLS certificate ${options.tls.certFile} or its key is not valid PEM, or they do not match`,
      { cause: error },
    );
  }
  const { upgrade } = options.sockets.behavior;
  return (
    app
      .ws('/ws', {
        ...options.sockets.behavior,
        // The socket answers to the relay's names only, like every route: a page whose own name
        // points at the relay's address (DNS rebinding) gets no socket either.
        upgrade: (res, req, context) => {
          if (!isAllowedHost(req.getHeader('host'), options.hostnames)) {
            respond(res, MISDIRECTED, false);
            return;
          }
          void upgrade?.(res, req, context);
        },
      })
      // uWS prefers a literal segment to a wildcard, so these win over /api/* below.
      .any('/api/blobs', (res, req) => {
        blobRoute(options, res, req);
      })
      .any('/api/blobs/*', (res, req) => {
        blobRoute(options, res, req);
      })
      .any('/api/*', (res, req) => {
        if (!isAllowedHost(req.getHeader('host'), options.hostnames)) {
          respond(res, MISDIRECTED, false);
          return;
        }
        handleApiRequest(res, req, options.api);
      })
      .any('/*', (res, req) => {
        respond(res, route(options, req), req.getCaseSensitiveMethod() === 'HEAD');
      })
  );
}
