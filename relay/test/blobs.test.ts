import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BLOB_API, TUS_VERSION } from '@vaultroom/shared';
import { attachmentCiphertextLength } from '@vaultroom/shared/crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './apiClient.js';
import { BlobClient } from './blobClient.js';
import { signUp } from './deviceSocket.js';
import { minimalPwa } from './hardening/minimalPwa.js';
import { rawRequest } from './hardening/rawRequest.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import https from 'node:https';

/*
 * The blob store (PROTOCOL.md §2.10) on a real relay over TLS: tus uploads in pieces, a dropped
 * connection and a relay restart in the middle, downloads whole and by range, and every refusal.
 */

const MAX_FILE_MB = 60;
const QUOTA_MB = 130;
const MAX_LENGTH = attachmentCiphertextLength(MAX_FILE_MB * 1024 * 1024);

let relay: RelayProcess;
let pwaDir: string;
let alice: BlobClient;
let bob: BlobClient;
let anonymous: BlobClient;
/** Logs of relays already stopped, for the check that no blob id is ever logged. */
const pastLogs: string[] = [];
const relayArgs = () => [
  '--pwa-dir',
  pwaDir,
  '--max-file-mb',
  String(MAX_FILE_MB),
  '--blob-quota-mb',
  String(QUOTA_MB),
];

async function invite(admin: ApiClient): Promise<string> {
  const answer = await admin.request('POST', '/api/invites', {
    role: 'member',
    maxUses: 1,
    expiresInHours: 1,
  });
  return String(answer.body['link']);
}

function blobFiles(): string[] {
  return fs.readdirSync(path.join(relay.dataDir, 'blobs')).sort();
}

/** Waits until a dropped PATCH has been made durable and released (HEAD answers and PATCH may). */
async function offsetAfterDrop(client: BlobClient, id: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const head = await client.head(id);
    const offset = Number(head.headers['upload-offset']);
    const probe = await client.patch(id, offset, Buffer.alloc(0));
    if (probe.status === 204) return offset;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the dropped upload was never released');
}

beforeAll(async () => {
  pwaDir = minimalPwa();
  relay = await startRelayProcess({ args: relayArgs() });
  const admin = await signUp(relay, relay.adminInvite() ?? '', 'alice');
  const member = await signUp(relay, await invite(admin), 'bob');
  alice = new BlobClient(relay, admin.cookie);
  bob = new BlobClient(relay, member.cookie);
  anonymous = new BlobClient(relay, '');
});

afterAll(async () => {
  await relay.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(pwaDir, { recursive: true, force: true });
});

describe('uploads and downloads', () => {
  it('tells a tus client what it speaks, without a session', async () => {
    const answer = await anonymous.request({ method: 'OPTIONS', path: BLOB_API.uploads });
    expect(answer.status).toBe(204);
    expect(answer.headers['tus-version']).toBe(TUS_VERSION);
    expect(answer.headers['tus-extension']).toBe('creation,termination');
    expect(answer.headers['tus-max-size']).toBe(String(MAX_LENGTH));
  });

  it('uploads in pieces, reports each durable offset, and serves the bytes whole and by range', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const created = await alice.create(data.length);
    expect(created.status).toBe(201);
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await alice.head(created.id)).headers['upload-offset']).toBe('0');
    // Unfinished: nobody can download it, not even its uploader.
    expect((await alice.get(created.id)).status).toBe(404);
    await alice.upload(created.id, data, 1024 * 1024);
    const head = await alice.head(created.id);
    expect(head.headers['upload-offset']).toBe(String(data.length));

    const whole = await bob.get(created.id);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('application/octet-stream');
    expect(whole.headers['content-disposition']).toBe('attachment');
    expect(whole.body.equals(data)).toBe(true);

    const middle = await bob.get(created.id, 'bytes=1000-1999999');
    expect(middle.status).toBe(206);
    expect(middle.headers['content-range']).toBe(`bytes 1000-1999999/${data.length}`);
    expect(middle.body.equals(data.subarray(1000, 2_000_000))).toBe(true);
    const suffix = await bob.get(created.id, 'bytes=-10');
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(data.subarray(data.length - 10))).toBe(true);
    const outside = await bob.get(created.id, `bytes=${data.length}-`);
    expect(outside.status).toBe(416);
    expect(outside.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(outside.headers['content-range']).toBe(`bytes */${data.length}`);
    // Several ranges: the whole blob (RFC 9110 §14.2 lets a server ignore Range).
    expect((await bob.get(created.id, 'bytes=0-1,5-6')).status).toBe(200);
    expect((await alice.delete(created.id)).status).toBe(204);
    expect((await bob.get(created.id)).status).toBe(404);
  });

  it('refuses a PATCH at any offset but the upload’s with 409, and writes nothing', async () => {
    const created = await alice.create(1000);
    expect((await alice.patch(created.id, 0, randomBytes(400))).status).toBe(204);
    const ahead = await alice.patch(created.id, 500, randomBytes(100));
    expect([ahead.status, ahead.code]).toEqual([409, 'CONFLICT']);
    const behind = await alice.patch(created.id, 0, randomBytes(100));
    expect([behind.status, behind.code]).toEqual([409, 'CONFLICT']);
    expect((await alice.head(created.id)).headers['upload-offset']).toBe('400');
    const over = await alice.patch(created.id, 400, randomBytes(601));
    expect([over.status, over.code]).toEqual([413, 'FILE_TOO_LARGE']);
    expect((await alice.head(created.id)).headers['upload-offset']).toBe('400');
    await alice.delete(created.id);
  });

  it('resumes from HEAD’s offset after the connection drops mid-PATCH', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const created = await alice.create(data.length);
    const dropped = await alice.patch(created.id, 0, data, { dropAfter: 5 * 1024 * 1024 });
    expect(dropped.code).toBe('DROPPED');
    const offset = await offsetAfterDrop(alice, created.id);
    // What arrived before the drop was kept (most of it; TLS may hold back the last records).
    expect(offset).toBeGreaterThan(1024 * 1024);
    expect(offset).toBeLessThanOrEqual(5 * 1024 * 1024);
    await alice.upload(created.id, data, 4 * 1024 * 1024);
    expect((await alice.get(created.id)).body.equals(data)).toBe(true);
    await alice.delete(created.id);
  });
});

describe('who may do what', () => {
  it('refuses without a session (401), another tus version (412) and another origin (403)', async () => {
    const created = await alice.create(10);
    expect((await anonymous.create(10)).code).toBe('UNAUTHENTICATED');
    expect((await anonymous.get(created.id)).status).toBe(401);
    expect((await anonymous.head(created.id)).status).toBe(401);
    const old = await alice.create(10, { 'tus-resumable': '0.2.2' });
    expect([old.status, old.code, old.headers['tus-version']]).toEqual([
      412,
      'PRECONDITION_FAILED',
      TUS_VERSION,
    ]);
    const noTus = await alice.request({ method: 'POST', path: BLOB_API.uploads, noTus: true });
    expect(noTus.status).toBe(412);
    const foreign = await alice.create(10, { origin: 'https://evil.example' });
    expect([foreign.status, foreign.code]).toEqual([403, 'ORIGIN_REFUSED']);
    await alice.delete(created.id);
  });

  it('answers another account’s unfinished upload exactly like an unknown id: 404', async () => {
    const created = await alice.create(100);
    const unknown = randomBytes(32).toString('base64url');
    const answers = [
      await bob.head(created.id),
      await bob.patch(created.id, 0, randomBytes(10)),
      await bob.delete(created.id),
      await bob.get(created.id),
    ];
    const unknownAnswers = [
      await bob.head(unknown),
      await bob.patch(unknown, 0, randomBytes(10)),
      await bob.delete(unknown),
      await bob.get(unknown),
    ];
    const shape = (r: { status: number; body: Buffer }) => [r.status, r.body.toString()];
    expect(answers.map(shape)).toEqual(unknownAnswers.map(shape));
    expect(answers.every((r) => r.status === 404)).toBe(true);
    expect((await alice.head(created.id)).status).toBe(200);
    await alice.delete(created.id);
  });

  it('refuses path-traversal and malformed ids with 404 and touches nothing outside its directory', async () => {
    const sentinel = path.join(relay.dataDir, 'sentinel');
    fs.writeFileSync(sentinel, 'keep me');
    const before = fs.readdirSync(relay.dataDir).sort();
    const agent = new https.Agent({ keepAlive: false });
    const ids = [
      '..%2Fsentinel',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2fsentinel',
      '.',
      'sentinel',
      `${'A'.repeat(42)}.`,
      'A'.repeat(44),
      `${'A'.repeat(40)}%2F..`,
      '../sentinel',
      '..\\sentinel',
    ];
    for (const id of ids) {
      for (const method of ['GET', 'HEAD', 'PATCH', 'DELETE']) {
        const answer = await rawRequest(relay, agent, {
          method,
          path: `${BLOB_API.uploads}/${id}`,
          headers: {
            cookie: alice.cookie,
            'tus-resumable': TUS_VERSION,
            'upload-offset': '0',
            'content-type': 'application/offset+octet-stream',
          },
          ...(method === 'PATCH' ? { body: 'overwritten' } : {}),
        });
        expect([400, 404], `${method} ${id}`).toContain(answer.status);
      }
    }
    agent.destroy();
    expect(fs.readFileSync(sentinel, 'utf8')).toBe('keep me');
    expect(fs.readdirSync(relay.dataDir).sort()).toEqual(before);
    expect(blobFiles().every((name) => /^[A-Za-z0-9_-]{43}$/.test(name))).toBe(true);
  });
});

describe('limits', () => {
  it('refuses a file over the maximum with 413 FILE_TOO_LARGE and keeps nothing', async () => {
    const filesBefore = blobFiles();
    const over = await alice.create(MAX_LENGTH + 1);
    expect([over.status, over.code, over.headers['location']]).toEqual([
      413,
      'FILE_TOO_LARGE',
      undefined,
    ]);
    expect(blobFiles()).toEqual(filesBefore);
    // The largest file allowed is MAX_FILE_MB of plaintext, so its padded ciphertext passes.
    const largest = await alice.create(MAX_LENGTH);
    expect(largest.status).toBe(201);
    await alice.delete(largest.id);
  });

  it('refuses an upload past the account’s quota with 403 QUOTA_EXCEEDED; deleting frees it', async () => {
    const first = await alice.create(MAX_LENGTH);
    const second = await alice.create(MAX_LENGTH);
    expect([first.status, second.status]).toEqual([201, 201]);
    const third = await alice.create(20 * 1024 * 1024);
    expect([third.status, third.code]).toEqual([403, 'QUOTA_EXCEEDED']);
    // Another account's quota is its own.
    const bobs = await bob.create(20 * 1024 * 1024);
    expect(bobs.status).toBe(201);
    await alice.delete(first.id);
    const retry = await alice.create(20 * 1024 * 1024);
    expect(retry.status).toBe(201);
    for (const [client, id] of [
      [alice, second.id],
      [alice, retry.id],
      [bob, bobs.id],
    ] as const) {
      await client.delete(id);
    }
  });

  it('refuses a 65th unfinished upload of one account with QUOTA_EXCEEDED, however small', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 64; i++) {
      const created = await bob.create(1);
      expect(created.status).toBe(201);
      ids.push(created.id);
    }
    const over = await bob.create(1);
    expect([over.status, over.code]).toEqual([403, 'QUOTA_EXCEEDED']);
    // Finishing one frees its place.
    await bob.patch(ids[0] ?? '', 0, Buffer.from([1]));
    expect((await bob.create(1)).status).toBe(201);
    for (const id of ids) await bob.delete(id);
  });
});

describe('durability and expiry', () => {
  it('finishes an upload begun before a relay restart, and reports throughput', async () => {
    const data = randomBytes(50 * 1024 * 1024);
    const created = await alice.create(data.length);
    const started = performance.now();
    let offset = 0;
    while (offset < 20 * 1024 * 1024) {
      const answer = await alice.patch(
        created.id,
        offset,
        data.subarray(offset, offset + 4 * 1024 * 1024),
      );
      offset = Number(answer.headers['upload-offset']);
    }
    const firstPartMs = performance.now() - started;
    const { code } = await relay.stop();
    expect(code).toBe(0);
    pastLogs.push(JSON.stringify(relay.logs), relay.stderr());
    relay = await startRelayProcess({ dataDir: relay.dataDir, args: relayArgs() });
    alice = new BlobClient(relay, alice.cookie);
    bob = new BlobClient(relay, bob.cookie);
    expect((await alice.head(created.id)).headers['upload-offset']).toBe(String(offset));
    const resumed = performance.now();
    await alice.upload(created.id, data, 4 * 1024 * 1024);
    const uploadMs = firstPartMs + (performance.now() - resumed);
    const downloadStarted = performance.now();
    const download = await bob.get(created.id);
    const downloadMs = performance.now() - downloadStarted;
    expect(download.body.equals(data)).toBe(true);
    console.log(
      `blobs: 50 MiB over loopback TLS, upload in 4 MiB PATCHes ${(50_000 / uploadMs).toFixed(0)} MiB/s ` +
        `(${uploadMs.toFixed(0)} ms), download ${(50_000 / downloadMs).toFixed(0)} MiB/s (${downloadMs.toFixed(0)} ms)`,
    );
    await alice.delete(created.id);
  }, 120_000);

  it('sweeps an upload left half done and a blob past its retention, at the next start', async () => {
    const half = await alice.create(1000);
    await alice.patch(half.id, 0, randomBytes(500));
    const old = await alice.create(10);
    await alice.patch(old.id, 0, randomBytes(10));
    const kept = await alice.create(10);
    await alice.patch(kept.id, 0, randomBytes(10));
    expect(blobFiles()).toEqual(expect.arrayContaining([half.id, old.id, kept.id]));
    await relay.stop();
    pastLogs.push(JSON.stringify(relay.logs), relay.stderr());
    // The relay's clock cannot be moved; its rows can: both are a day past their expiry.
    const db = new Database(path.join(relay.dataDir, 'relay.db'));
    db.prepare('UPDATE blobs SET expires_at = ? WHERE id IN (?, ?)').run(
      Date.now() - 86_400_000,
      half.id,
      old.id,
    );
    db.close();
    // An orphan: a file no row names (e.g. a crash between deleting the row and the file).
    const orphan = randomBytes(32).toString('base64url');
    fs.writeFileSync(path.join(relay.dataDir, 'blobs', orphan), 'x');
    relay = await startRelayProcess({ dataDir: relay.dataDir, args: relayArgs() });
    alice = new BlobClient(relay, alice.cookie);
    // The sweep runs at start, beside the listener: wait for it to have passed.
    const gone = () => blobFiles().filter((name) => [half.id, old.id, orphan].includes(name));
    await expect.poll(gone, { timeout: 5000 }).toEqual([]);
    expect(blobFiles()).toContain(kept.id);
    expect((await alice.head(half.id)).status).toBe(404);
    expect((await alice.get(old.id)).status).toBe(404);
    expect((await alice.get(kept.id)).status).toBe(200);
  });

  it('answers 503 and writes nothing when its disk lacks bytes its database names', async () => {
    // What a relay sees when relays share a database but not `blobs/` (ops/README), or a file was
    // lost: serving or extending the file would hand out zeros where the bytes should be.
    const finished = await alice.create(4096);
    await alice.upload(finished.id, randomBytes(4096));
    const unfinished = await alice.create(4096);
    expect((await alice.patch(unfinished.id, 0, randomBytes(1024))).status).toBe(204);
    for (const id of [finished.id, unfinished.id]) {
      fs.rmSync(path.join(relay.dataDir, 'blobs', id));
    }
    const download = await alice.get(finished.id);
    expect([download.status, download.code]).toEqual([503, 'UNAVAILABLE']);
    const append = await alice.patch(unfinished.id, 1024, randomBytes(1024));
    expect([append.status, append.code]).toEqual([503, 'UNAVAILABLE']);
    expect((await alice.head(unfinished.id)).headers['upload-offset']).toBe('1024');
    expect(fs.existsSync(path.join(relay.dataDir, 'blobs', unfinished.id))).toBe(false);
    for (const id of [finished.id, unfinished.id]) await alice.delete(id);
  });

  it('never writes a blob id to its log', () => {
    const ids = blobFiles();
    expect(ids.length).toBeGreaterThan(0);
    const log = pastLogs.join('') + JSON.stringify(relay.logs) + relay.stderr();
    for (const id of ids) expect(log).not.toContain(id);
  });
});
