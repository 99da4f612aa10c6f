import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import { createMailboxStore, type EnvelopeRow, type MailboxStore } from './createMailboxStore.js';

describe('createMailboxStore', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let store: MailboxStore;

  const envelope = (id: string, recipient: string, msg: number): EnvelopeRow => ({
    id,
    recipientDeviceId: recipient,
    senderDeviceId: 'sender',
    msgId: new Uint8Array(16).fill(msg),
    body: new Uint8Array(200).fill(msg),
    acceptedAt: 1000,
    expiresAt: 2000,
  });
  const ids = (device: string) => store.after(device, 0, 100, 1500).map((row) => row.id);

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-mailbox-'));
    database = await openDatabase(dataDir);
    database.sqlite
      .prepare(
        `INSERT INTO accounts (id, handle, handle_key, display_name, role, status, webauthn_user_id, created_at)
         VALUES ('acct', 'a', 'a', 'A', 'member', 'active', x'01', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    const device = database.sqlite.prepare(
      `INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at)
       VALUES (?, 'acct', ?, ?, x'00', x'00', 0)`,
    );
    device.run('alice', 'Alice', Buffer.from('a'));
    device.run('bob', 'Bob', Buffer.from('b'));
    store = createMailboxStore(database.sqlite);
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores new envelopes and deletes acked ones in one commit', () => {
    store.commit([envelope('e1', 'bob', 1), envelope('e2', 'bob', 2)], new Map());
    store.commit([envelope('e3', 'bob', 3)], new Map([['bob', ['e1']]]));
    expect(ids('bob')).toEqual(['e2', 'e3']);
  });

  it('deletes an acked envelope only from the acking device’s own mailbox', () => {
    store.commit([envelope('e1', 'bob', 1)], new Map());
    store.commit([], new Map([['alice', ['e1']]]));
    expect(ids('bob')).toEqual(['e1']);
  });

  it('stores a retried send once', () => {
    store.commit([envelope('e1', 'bob', 1)], new Map());
    store.commit([envelope('e1-retry', 'bob', 1)], new Map());
    expect(ids('bob')).toEqual(['e1']);
  });

  it('commits nothing, deletes included, when any row of the batch fails', () => {
    store.commit([envelope('e1', 'bob', 1)], new Map());
    expect(() => {
      store.commit([envelope('e2', 'nobody', 2)], new Map([['bob', ['e1']]]));
    }).toThrow(/FOREIGN KEY/);
    expect(ids('bob')).toEqual(['e1']);
  });
});
