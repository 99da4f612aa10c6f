import https from 'node:https';
import { BLOB_API, TUS_CONTENT_TYPE, TUS_VERSION } from '@vaultroom/shared';

/** The app's upload piece (pwa/src/core/files/uploadBlob.ts): one PATCH per 4 MiB. */
const PIECE_BYTES = 4 * 1024 * 1024;

export interface TransferTarget {
  readonly port: number;
  readonly ca: string;
  readonly cookie: string;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Bytes of the body, counted and dropped: a download is measured, not kept. */
  readonly bytes: number;
}

/**
 * HTTPS to the relay as a browser tab would talk to it: one keep-alive connection, the session
 * cookie and the app's Origin on every request. Uploads follow tus 1.0 (PROTOCOL.md §2.10).
 */
export function createTransferClient(target: TransferTarget) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: target.ca });
  const host = `vaultroom.local:${String(target.port)}`;
  const request = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Uint8Array,
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: target.port,
          method,
          path,
          agent,
          servername: 'vaultroom.local',
          headers: {
            host,
            origin: `https://${host}`,
            cookie: target.cookie,
            ...(body === undefined ? {} : { 'content-length': String(body.length) }),
            ...headers,
          },
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const expect = (answer: Answer, status: number, what: string) => {
    if (answer.status !== status) {
      throw new Error(`${what}: HTTP ${String(answer.status)}, expected ${String(status)}`);
    }
    return answer;
  };

  return {
    /** Creates an upload and sends `blob` in the app's pieces; resolves with the blob id. */
    async upload(blob: Uint8Array): Promise<string> {
      const tus = { 'tus-resumable': TUS_VERSION };
      const created = expect(
        await request('POST', BLOB_API.uploads, { ...tus, 'upload-length': String(blob.length) }),
        201,
        'create upload',
      );
      const id = String(created.headers['location'] ?? '').replace(`${BLOB_API.uploads}/`, '');
      for (let offset = 0; offset < blob.length; offset += PIECE_BYTES) {
        const piece = blob.subarray(offset, offset + PIECE_BYTES);
        expect(
          await request(
            'PATCH',
            BLOB_API.blob(id),
            { ...tus, 'upload-offset': String(offset), 'content-type': TUS_CONTENT_TYPE },
            piece,
          ),
          204,
          'upload piece',
        );
      }
      return id;
    },
    /** Downloads a blob whole; resolves with its length. */
    async download(id: string): Promise<number> {
      return expect(await request('GET', BLOB_API.blob(id), {}), 200, 'download').bytes;
    },
    /** Fetches a file the relay serves from its app directory; resolves with its length. */
    async staticFile(path: string): Promise<number> {
      return expect(await request('GET', path, {}), 200, 'static file').bytes;
    },
    close(): void {
      agent.destroy();
    },
  };
}
