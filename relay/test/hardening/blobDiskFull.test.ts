import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobClient } from '../blobClient.js';
import { signUp } from '../deviceSocket.js';
import { minimalPwa } from './minimalPwa.js';
import { startTmpfsRelay, type TmpfsRelay } from './tmpfsRelay.js';

/*
 * The blob store on a full disk (PROTOCOL.md §2.10): an upload that meets it is refused with
 * STORAGE_FULL, keeps every byte it had made durable, and finishes from its offset once there is
 * room again, with no restart. Like the envelope path's test in faults.test.ts, on a tmpfs of its
 * own in a private mount namespace.
 */

describe('file blobs on a full disk', () => {
  let relay: TmpfsRelay;
  let pwaDir: string;

  beforeAll(async () => {
    pwaDir = minimalPwa();
    relay = await startTmpfsRelay(24, ['--pwa-dir', pwaDir]);
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it('refuses with STORAGE_FULL, keeps the durable offset, and resumes when space returns', async () => {
    const admin = await signUp(relay, relay.adminInvite() ?? '', 'alice');
    const client = new BlobClient(relay, admin.cookie);
    const data = randomBytes(16 * 1024 * 1024);
    const created = await client.create(data.length);
    expect(created.status).toBe(201);

    // Fill the tmpfs, then give 3 MiB back: room for part of the upload, not all of it.
    const filler = path.join(relay.visibleDataDir, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const chunk of [1024 * 1024, 64 * 1024, 4096, 512]) {
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(chunk));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
    }
    fs.ftruncateSync(fd, fs.fstatSync(fd).size - 3 * 1024 * 1024);
    fs.closeSync(fd);

    let offset = 0;
    let refusal: { status: number; code: string | undefined; retryAfter: unknown } | null = null;
    while (offset < data.length) {
      const answer = await client.patch(
        created.id,
        offset,
        data.subarray(offset, offset + 1024 * 1024),
      );
      if (answer.status !== 204) {
        refusal = {
          status: answer.status,
          code: answer.code,
          retryAfter: answer.headers['retry-after'],
        };
        break;
      }
      offset = Number(answer.headers['upload-offset']);
    }
    expect(refusal).toEqual({ status: 507, code: 'STORAGE_FULL', retryAfter: '5' });
    const durable = Number((await client.head(created.id)).headers['upload-offset']);
    expect(durable).toBeGreaterThanOrEqual(offset);
    expect(durable).toBeLessThan(data.length);
    console.log(
      `blobs on a full disk: refused at ${(offset / 1048576).toFixed(1)} MiB with STORAGE_FULL, ` +
        `${(durable / 1048576).toFixed(2)} MiB durable and kept`,
    );

    // Space returns: the same upload goes on from its offset and the bytes come back whole.
    fs.rmSync(filler);
    await client.upload(created.id, data, 1024 * 1024);
    const download = await client.get(created.id);
    expect(download.status).toBe(200);
    expect(download.body.equals(data)).toBe(true);
    expect(relay.child.exitCode).toBeNull();
  });
});
