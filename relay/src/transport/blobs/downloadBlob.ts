import type { BlobContext } from '../../blobs/BlobContext.js';
import { planDownload, visibleBlob } from '../../blobs/serveBlob.js';
import { replyHead, type Headers } from './blobReplies.js';
import type { Connection } from './Connection.js';
import { streamFile } from './streamFile.js';

/** tus HEAD (tus 1.0.0 §3.2.2): the durable offset; for a finished blob, what a download needs. */
export async function headBlob(
  ctx: BlobContext,
  id: string,
  accountId: string,
  connection: Connection,
): Promise<void> {
  const blob = await visibleBlob(ctx, id, accountId, true);
  const headers: [string, string][] = [
    ['Upload-Offset', String(blob.offset)],
    ['Upload-Length', String(blob.length)],
  ];
  if (blob.completed_at !== null) {
    headers.push(['Accept-Ranges', 'bytes'], ['Content-Length', String(blob.length)]);
  }
  if (!connection.aborted()) replyHead(connection.res, '200 OK', headers);
}

const DOWNLOAD_HEADERS: Headers = [
  ['Content-Type', 'application/octet-stream'],
  // Never rendered, whatever a browser would sniff: the bytes are ciphertext anyway.
  ['Content-Disposition', 'attachment'],
  ['Accept-Ranges', 'bytes'],
];

/** GET: the whole blob (200) or one range of it (206), streamed with backpressure. */
export async function downloadBlob(
  ctx: BlobContext,
  id: string,
  accountId: string,
  rangeHeader: string,
  connection: Connection,
): Promise<void> {
  const download = await planDownload(ctx, id, accountId, rangeHeader);
  if (connection.aborted()) return;
  const { file, total, range } = download;
  if (range === null) {
    const head = { status: '200 OK', headers: DOWNLOAD_HEADERS };
    streamFile(connection.res, file, { start: 0, length: total }, head, connection.onAbort);
    return;
  }
  const head = {
    status: '206 Partial Content',
    headers: [...DOWNLOAD_HEADERS, ['Content-Range', `bytes ${range.start}-${range.end}/${total}`]],
  } as const;
  const length = range.end - range.start + 1;
  streamFile(connection.res, file, { start: range.start, length }, head, connection.onAbort);
}
