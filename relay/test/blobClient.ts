import https from 'node:https';
import { BLOB_API, TUS_CONTENT_TYPE, TUS_VERSION } from '@vaultroom/shared';
import type { RelayProcess } from './relayProcess.js';

export interface BlobResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** The JSON error code, when the answer is a refusal. */
  readonly code: string | undefined;
}

export interface BlobRequestOptions {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  /** Send this many bytes of the body, then destroy the connection (a dropped upload). */
  readonly dropAfter?: number;
  /** Leave out the tus version header. */
  readonly noTus?: boolean;
}

/**
 * A tus 1.0.0 client as the app's upload code would be: the session cookie, the app's Origin and
 * Tus-Resumable on every request, one connection per request (so dropping one drops only it).
 */
export class BlobClient {
  constructor(
    private readonly relay: RelayProcess,
    readonly cookie: string,
  ) {}

  request(options: BlobRequestOptions): Promise<BlobResponse> {
    const port = this.relay.httpsPort;
    const headers: Record<string, string> = {
      host: `vaultroom.local:${port}`,
      origin: `https://vaultroom.local:${port}`,
      ...(this.cookie === '' ? {} : { cookie: this.cookie }),
      ...(options.noTus === true ? {} : { 'tus-resumable': TUS_VERSION }),
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-length'] = String(options.body.length);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: options.path,
          method: options.method,
          ca: this.relay.caPem(),
          servername: 'vaultroom.local',
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            let code: string | undefined;
            const json = String(res.headers['content-type']).startsWith('application/json');
            if (json && body.length > 0) {
              code = (JSON.parse(body.toString()) as { error?: { code?: string } }).error?.code;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, code });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (options.body !== undefined && options.dropAfter !== undefined) {
        req.write(options.body.subarray(0, options.dropAfter), () => {
          // Give the bytes a moment to reach the relay, then cut the connection mid-body.
          setTimeout(() => {
            req.destroy();
            resolve({ status: 0, headers: {}, body: Buffer.alloc(0), code: 'DROPPED' });
          }, 300);
        });
        return;
      }
      if (options.body !== undefined) req.write(options.body);
      req.end();
    });
  }

  /** POST: a new upload of `length` bytes; its id from Location. */
  async create(length: number, headers: Record<string, string> = {}) {
    const response = await this.request({
      method: 'POST',
      path: BLOB_API.uploads,
      headers: { 'upload-length': String(length), ...headers },
    });
    const location = String(response.headers['location'] ?? '');
    return { ...response, id: location.replace(`${BLOB_API.uploads}/`, '') };
  }

  head(id: string) {
    return this.request({ method: 'HEAD', path: BLOB_API.blob(id) });
  }

  patch(id: string, offset: number, body: Buffer, extra: Partial<BlobRequestOptions> = {}) {
    return this.request({
      method: 'PATCH',
      path: BLOB_API.blob(id),
      headers: { 'upload-offset': String(offset), 'content-type': TUS_CONTENT_TYPE },
      body,
      ...extra,
    });
  }

  get(id: string, range?: string) {
    return this.request({
      method: 'GET',
      path: BLOB_API.blob(id),
      noTus: true,
      ...(range === undefined ? {} : { headers: { range } }),
    });
  }

  delete(id: string) {
    return this.request({ method: 'DELETE', path: BLOB_API.blob(id) });
  }

  /** Uploads `data` in PATCHes of `piece` bytes from the upload's current offset. */
  async upload(id: string, data: Buffer, piece = 1024 * 1024): Promise<void> {
    let offset = Number((await this.head(id)).headers['upload-offset']);
    while (offset < data.length) {
      const answer = await this.patch(id, offset, data.subarray(offset, offset + piece));
      if (answer.status !== 204) {
        throw new Error(`PATCH at ${offset}: ${answer.status} ${String(answer.code)}`);
      }
      offset = Number(answer.headers['upload-offset']);
    }
  }
}
