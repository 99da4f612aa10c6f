import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

/** One request the push service received. */
export interface ReceivedPush {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly at: number;
}

/** How the service answers: a status, a redirect, an oversized body, or nothing at all. */
export type PushServiceMode = 'created' | 'gone' | 'redirect' | 'huge' | 'silent';

export interface LocalPushService {
  readonly port: number;
  readonly origin: string;
  /** The CA file the relay must trust (NODE_EXTRA_CA_CERTS): the service's self-signed certificate. */
  readonly caFile: string;
  readonly received: ReceivedPush[];
  mode: PushServiceMode;
  close(): Promise<void>;
}

/**
 * A minimal RFC 8030 push service on 127.0.0.1 over HTTPS, with a self-signed certificate for that
 * address: it records every push message and answers 201 Created (or what `mode` says).
 */
export async function startLocalPushService(): Promise<LocalPushService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-push-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const received: ReceivedPush[] = [];
  const hanging = new Set<ServerResponse>();
  const service = {
    mode: 'created' as PushServiceMode,
  };
  const server = https.createServer(
    { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          at: Date.now(),
        });
        switch (service.mode) {
          case 'created':
            res.writeHead(201, { location: `/message/${received.length}` }).end();
            return;
          case 'gone':
            res.writeHead(410).end();
            return;
          case 'redirect':
            res.writeHead(307, { location: `https://127.0.0.1:${port}/redirected` }).end();
            return;
          case 'huge':
            res.writeHead(201, { 'content-type': 'text/plain' });
            res.end(Buffer.alloc(1024 * 1024, 0x61));
            return;
          case 'silent':
            hanging.add(res);
            return;
        }
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    caFile: certFile,
    received,
    get mode() {
      return service.mode;
    },
    set mode(mode: PushServiceMode) {
      service.mode = mode;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser's side of a subscription: its P-256 key pair and auth secret (RFC 8291 §3). */
export interface TestSubscriber {
  readonly ecdh: crypto.ECDH;
  readonly publicKey: Buffer;
  readonly auth: Buffer;
}

export function newSubscriber(): TestSubscriber {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, publicKey: ecdh.getPublicKey(), auth: crypto.randomBytes(16) };
}

/** Decrypts an aes128gcm push message body (RFC 8188 §2, keys per RFC 8291 §3.3 and §3.4). */
export function decryptPush(subscriber: TestSubscriber, body: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (idLength !== 65) throw new Error(`keyid must be the sender's 65-byte key, got ${idLength}`);
  if (ciphertext.byteLength > recordSize) throw new Error('more than one record');
  const ecdhSecret = subscriber.ecdh.computeSecret(senderKey);
  // RFC 8291 §3.4: key_info = "WebPush: info" || 0x00 || ua_public || as_public.
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0', 'latin1'),
    subscriber.publicKey,
    senderKey,
  ]);
  const ikm = Buffer.from(crypto.hkdfSync('sha256', ecdhSecret, subscriber.auth, keyInfo, 32));
  const cek = Buffer.from(
    crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16),
  );
  const nonce = Buffer.from(
    crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12),
  );
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.byteLength - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.byteLength - 16)),
    decipher.final(),
  ]);
  // RFC 8188 §2: the last record ends with the delimiter 0x02, then zero or more 0x00.
  let end = padded.byteLength - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('missing last-record delimiter');
  return padded.subarray(0, end);
}

export interface VapidClaims {
  readonly aud: string;
  readonly exp: number;
  readonly sub: string;
}

/**
 * Checks a `vapid t=…, k=…` Authorization header (RFC 8292 §3): the key is the relay's, and the
 * JWT's ES256 signature verifies with it. Returns the claims for the caller to check.
 */
export function verifyVapid(authorization: string, relayPublicKey: string): VapidClaims {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new Error(`not a vapid Authorization header: ${authorization.slice(0, 12)}…`);
  }
  const [token, key] = [match[1], match[2]];
  if (key !== relayPublicKey) throw new Error('the k parameter is not the relay public key');
  const point = Buffer.from(key, 'base64url');
  const publicKey = crypto.createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const [header = '', claims = '', signature = ''] = token.split('.');
  const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as {
    alg?: string;
  };
  if (parsedHeader.alg !== 'ES256') throw new Error(`JWT alg ${String(parsedHeader.alg)}`);
  const valid = crypto.verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('the VAPID JWT signature does not verify');
  return JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as VapidClaims;
}
