import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { BLOB_API, isBlobId, TUS_EXTENSIONS, TUS_VERSION } from '@vaultroom/shared';
import { ApiError } from '../../api/ApiError.js';
import type { BlobContext } from '../../blobs/BlobContext.js';
import { createUpload } from '../../blobs/createUpload.js';
import { deleteUpload } from '../../blobs/deleteUpload.js';
import { RangeNotSatisfiableError } from '../../blobs/serveBlob.js';
import { toBlobError } from '../../blobs/toBlobError.js';
import { replyEmpty, replyError } from './blobReplies.js';
import type { Connection } from './Connection.js';
import { downloadBlob, headBlob } from './downloadBlob.js';
import { pauseBody, type PausedBody } from './pausedBody.js';
import { patchUpload } from './patchUpload.js';

/** The request as copied out of uWS before the first await (uWS invalidates `req` there). */
interface BlobRequest {
  readonly method: string;
  /** The id segment; null for the collection (`/api/blobs`). Not yet validated. */
  readonly id: string | null;
  readonly header: (name: string) => string;
}

const COPIED_HEADERS = [
  'cookie',
  'origin',
  'tus-resumable',
  'content-type',
  'content-length',
  'upload-length',
  'upload-offset',
  'upload-metadata',
  'upload-defer-length',
  'range',
] as const;

function copyRequest(req: HttpRequest): BlobRequest {
  const url = req.getUrl();
  const headers = new Map<string, string>(
    COPIED_HEADERS.map((name) => [name, req.getHeader(name)]),
  );
  return {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    id: url === BLOB_API.uploads ? null : url.slice(BLOB_API.uploads.length + 1),
    header: (name) => headers.get(name) ?? '',
  };
}

/** Headers some refusals carry: the tus version we speak (412), the blob's length (416). */
function refusalHeaders(refusal: ApiError): [string, string][] {
  if (refusal.code === 'PRECONDITION_FAILED') return [['Tus-Version', TUS_VERSION]];
  if (refusal instanceof RangeNotSatisfiableError) {
    return [['Content-Range', `bytes */${refusal.total}`]];
  }
  return [];
}

/** Refuses a request that names a tus version other than ours (tus 1.0.0 §2.3: 412). */
function checkTusVersion(request: BlobRequest, required: boolean): void {
  const version = request.header('tus-resumable');
  if ((required || version !== '') && version !== TUS_VERSION) {
    throw new ApiError('PRECONDITION_FAILED', `This relay speaks tus ${TUS_VERSION}`);
  }
}

async function route(
  ctx: BlobContext,
  request: BlobRequest,
  body: PausedBody | null,
  connection: Connection,
): Promise<void> {
  const { method, id } = request;
  const changes = method === 'POST' || method === 'PATCH' || method === 'DELETE';
  if (method === 'OPTIONS') {
    replyEmpty(connection.res, '204 No Content', [
      ['Tus-Version', TUS_VERSION],
      ['Tus-Extension', TUS_EXTENSIONS.join(',')],
      ['Tus-Max-Size', String(ctx.settings.maxLength)],
    ]);
    return;
  }
  checkTusVersion(request, changes);
  // As for the JSON API: SameSite=Strict keeps the cookie off cross-site requests, and Origin is
  // checked on every change besides.
  if (changes && !ctx.allowedOrigins().includes(request.header('origin'))) {
    throw new ApiError('ORIGIN_REFUSED', 'Requests must come from the VaultRoom app itself');
  }
  const session = await ctx.session(request.header('cookie'));
  if (id === null) {
    if (method !== 'POST') throw new ApiError('METHOD_NOT_ALLOWED', 'Method not allowed');
    const location = await createUpload(ctx, {
      accountId: session.accountId,
      uploadLength: request.header('upload-length'),
      uploadMetadata: request.header('upload-metadata'),
      deferLength: request.header('upload-defer-length'),
    });
    if (!connection.aborted()) {
      replyEmpty(connection.res, '201 Created', [
        ['Location', location],
        ['Upload-Offset', '0'],
      ]);
    }
    return;
  }
  // Any other spelling (dots, slashes, percent-escapes, another length) names nothing.
  if (!isBlobId(id)) throw new ApiError('NOT_FOUND', 'No such file');
  switch (method) {
    case 'HEAD':
      return headBlob(ctx, id, session.accountId, connection);
    case 'GET':
      return downloadBlob(ctx, id, session.accountId, request.header('range'), connection);
    case 'PATCH':
      if (body === null) throw new ApiError('BAD_REQUEST', 'Expected a body');
      return patchUpload(
        ctx,
        {
          id,
          accountId: session.accountId,
          contentType: request.header('content-type'),
          uploadOffset: request.header('upload-offset'),
          contentLength: request.header('content-length'),
        },
        body,
        connection,
      );
    case 'DELETE':
      await deleteUpload(ctx, id, session.accountId);
      if (!connection.aborted()) replyEmpty(connection.res, '204 No Content');
      return;
    default:
      throw new ApiError('METHOD_NOT_ALLOWED', 'Method not allowed');
  }
}

/**
 * Entry point for `/api/blobs` and everything below it (PROTOCOL.md §2.10). Not a JSON API route:
 * bodies are raw ciphertext streamed to disk, and downloads stream back with Range. Nothing of the
 * request (path, id, headers) is logged; refusals are not reported for the security-event log
 * either, since their path would carry the id.
 */
export function handleBlobRequest(res: HttpResponse, req: HttpRequest, ctx: BlobContext): void {
  const request = copyRequest(req);
  let aborted = false;
  const listeners: (() => void)[] = [];
  res.onAborted(() => {
    aborted = true;
    for (const listener of listeners.splice(0)) listener();
  });
  const connection: Connection = {
    res,
    aborted: () => aborted,
    onAbort: (listener) => {
      if (aborted) listener();
      else listeners.push(listener);
    },
  };
  // onData must be attached now, before the first await (see pausedBody.ts).
  const body = request.method === 'PATCH' ? pauseBody(res) : null;
  let started = false;
  const guarded: PausedBody | null =
    body === null
      ? null
      : {
          start: (sink) => {
            started = true;
            body.start(sink);
          },
          discard: () => {
            started = true;
            body.discard();
          },
        };
  route(ctx, request, guarded, connection).catch((error: unknown) => {
    if (aborted) return;
    if (!started) guarded?.discard();
    const refusal = toBlobError(ctx, error);
    replyError(res, refusal, refusalHeaders(refusal), request.method === 'HEAD');
  });
}
