import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeAuditLeaf, keyEntryHash, readKeyEntry } from '@vaultroom/shared/transparency';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import { encodeAuditLeaf } from './auditLeaf.js';
import { identityObject } from './appendKeyEntry.js';
import { backfillKeyEntries } from './backfillKeyEntries.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('backfillKeyEntries', () => {
  let dataDir: string;
  let database: OpenDatabase;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-backfill-'));
    database = await openDatabase(dataDir);
    await database.db
      .insertInto('accounts')
      .values({
        id: 'acct-ada',
        handle: 'Ada',
        handle_key: 'ada',
        display_name: 'Ada',
        role: 'member',
        status: 'active',
        webauthn_user_id: Buffer.alloc(32, 1),
        created_at: new Date(NOW).toISOString(),
        recovery_notice_at: null,
      })
      .execute();
    // What a relay from before key transparency stored, or an edit of its database.
    await database.db
      .insertInto('devices')
      .values({
        id: 'dev-phone',
        account_id: 'acct-ada',
        name: 'phone',
        signing_key: Buffer.alloc(32, 3),
        dh_key: Buffer.alloc(32, 4),
        dh_signature: Buffer.alloc(64, 5),
        created_at: NOW,
        last_seen_at: NOW,
        revoked_at: null,
        registered_with_credential: null,
      })
      .execute();
    await database.db
      .insertInto('account_trust')
      .values({
        account_id: 'acct-ada',
        account_key: Buffer.alloc(32, 6),
        device_list: Buffer.alloc(100, 7),
        list_version: 1,
        updated_at: NOW,
      })
      .execute();
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs each stored key object without an entry, once', async () => {
    expect(await backfillKeyEntries(database.writes)).toBe(3);
    expect(await backfillKeyEntries(database.writes)).toBe(0);
    const events = await database.db
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('seq')
      .execute();
    const entries = events.map((row) => readKeyEntry(decodeAuditLeaf(encodeAuditLeaf(row))));
    expect(entries.map((entry) => [entry?.kind, entry?.account, entry?.device])).toEqual([
      ['device-identity', 'ada', 'dev-phone'],
      ['account-key', 'ada', null],
      ['device-list', 'ada', null],
    ]);
    expect(await database.db.selectFrom('key_entries').select('seq').execute()).toHaveLength(3);
  });

  it('logs again an object whose entry a pruning deleted', async () => {
    await backfillKeyEntries(database.writes);
    await database.db.deleteFrom('audit_events').where('seq', '=', 1).execute();
    expect(await backfillKeyEntries(database.writes)).toBe(1);
    const entry = await database.db
      .selectFrom('key_entries')
      .select('seq')
      .where(
        'object_hash',
        '=',
        Buffer.from(keyEntryHash(identityObject(Buffer.alloc(32, 3), Buffer.alloc(32, 4)))),
      )
      .executeTakeFirst();
    expect(entry?.seq).toBe(4);
  });
});
