import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobClient } from './blobClient.js';
import { signUp } from './deviceSocket.js';
import { minimalPwa } from './hardening/minimalPwa.js';
import { runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';

/*
 * Backups carry file blobs (PROTOCOL.md §2.10): `vaultroom backup` copies the finished ones into
 * `<file>.blobs/` beside the database copy, and `vaultroom restore` puts them back.
 */

describe('vaultroom backup and restore with file blobs', () => {
  let relay: RelayProcess;
  let pwaDir: string;
  let work: string;

  beforeAll(async () => {
    pwaDir = minimalPwa();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-blob-backup-'));
    relay = await startRelayProcess({ args: ['--pwa-dir', pwaDir] });
  });

  afterAll(async () => {
    await relay.stop();
    for (const dir of [relay.dataDir, pwaDir, work])
      fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up finished blobs only, and restores them with the database', async () => {
    const admin = await signUp(relay, relay.adminInvite() ?? '', 'alice');
    const alice = new BlobClient(relay, admin.cookie);
    const data = randomBytes(1024 * 1024 + 5);
    const finished = await alice.create(data.length);
    await alice.upload(finished.id, data);
    const unfinished = await alice.create(1000);
    await alice.patch(unfinished.id, 0, randomBytes(100));

    const file = path.join(work, 'relay-backup.db');
    const backup = await runCli(['backup', file, '--data-dir', relay.dataDir]);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`File blobs: 1 (${data.length} bytes) in ${file}.blobs/`);
    expect(fs.readdirSync(`${file}.blobs`)).toEqual([finished.id]);
    expect(fs.statSync(`${file}.blobs`).mode & 0o777).toBe(0o700);

    // After the backup the blob is deleted on the live relay; the restore brings it back.
    expect((await alice.delete(finished.id)).status).toBe(204);
    await relay.stop();
    const restore = await runCli(['restore', file, '--data-dir', relay.dataDir]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain('with 1 file blobs');
    relay = await startRelayProcess({ dataDir: relay.dataDir, args: ['--pwa-dir', pwaDir] });
    const restored = new BlobClient(relay, admin.cookie);
    const download = await restored.get(finished.id);
    expect(download.status).toBe(200);
    expect(download.body.equals(data)).toBe(true);
    // An upload in progress at backup time is not in the backup: it starts over.
    expect((await restored.head(unfinished.id)).status).toBe(404);
  });
});
