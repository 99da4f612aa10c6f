import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDatabase, type PostgresDatabase } from '../../src/db/openPostgresDatabase.js';
import { createGroupCommit, type PendingSend } from '../../src/mailbox/createGroupCommit.js';
import type { EnvelopeRow } from '../../src/mailbox/createMailboxStore.js';
import { createPostgresMailboxStore } from '../../src/mailbox/createPostgresMailboxStore.js';
import { describeMailboxStore } from '../mailboxStoreContract.js';
import { startPostgres, type PostgresServer } from '../services/postgresServer.js';

// The same test body runs on SQLite in relay/src/mailbox/createMailboxStore.test.ts.
describeMailboxStore('PostgreSQL', async () => {
  const server = await startPostgres();
  const database = await openPostgresDatabase(server.url);
  return {
    store: createPostgresMailboxStore(database.pool),
    db: database.db,
    async close() {
      await database.close();
      await server.stop();
    },
  };
});

/*
 * The group commit on PostgreSQL while the server restarts: sends wait it out, those that waited
 * past the deadline are refused with STORAGE_BUSY (their senders retry), and everything told
 * `sent` is in the mailbox afterwards.
 */
describe('the group commit on PostgreSQL through a server restart', () => {
  let server: PostgresServer;
  let database: PostgresDatabase;

  beforeAll(async () => {
    server = await startPostgres();
    database = await openPostgresDatabase(server.url);
    await database.db
      .insertInto('accounts')
      .values({
        id: 'acct',
        handle: 'a',
        handle_key: 'a',
        display_name: 'A',
        role: 'member',
        status: 'active',
        webauthn_user_id: new Uint8Array([1]),
        created_at: '2026-01-01T00:00:00.000Z',
        recovery_notice_at: null,
      })
      .execute();
    await database.db
      .insertInto('devices')
      .values({
        id: 'bob',
        account_id: 'acct',
        name: 'bob',
        signing_key: new Uint8Array([1]),
        dh_key: new Uint8Array([0]),
        dh_signature: new Uint8Array([0]),
        created_at: 0,
        last_seen_at: null,
        revoked_at: null,
      })
      .execute();
  });

  afterAll(async () => {
    await database.close();
    await server.stop();
  });

  const row = (id: string, msg: number): EnvelopeRow => ({
    id,
    recipientDeviceId: 'bob',
    senderDeviceId: 'alice',
    msgId: new Uint8Array(16).fill(msg),
    body: new Uint8Array(32).fill(msg),
    acceptedAt: 1,
    expiresAt: Number.MAX_SAFE_INTEGER,
  });
  const outcomeOf = () => {
    const outcome = { sent: false, refused: null as string | null };
    const send: PendingSend = {
      envelopeDone: () => (outcome.sent = true),
      refuse: (code) => (outcome.refused = code),
    };
    return { send, outcome };
  };

  it('waits out the restart, refuses only past the deadline, and loses nothing it told sent', async () => {
    const store = createPostgresMailboxStore(database.pool);
    // The deadline runs on the test's clock, so a slow restart cannot make it flaky.
    let clock = 0;
    const dropped: string[] = [];
    const commit = createGroupCommit({
      store,
      log: pino({ level: 'silent' }),
      onDropped: (entry) => dropped.push(entry.id),
      now: () => clock,
      busyRetryMs: 20,
      busyDeadlineMs: 1000,
    });
    const before = outcomeOf();
    commit.add(row('before', 1), before.send);
    await expect.poll(() => before.outcome.sent).toBe(true);

    await server.shutDown();
    const late = outcomeOf();
    commit.add(row('late', 2), late.send);
    expect(await commit.flush()).toBe(false); // the server is out of reach: wait
    clock += 1000;
    await expect.poll(() => late.outcome.refused, { timeout: 10_000 }).toBe('STORAGE_BUSY');
    expect(dropped).toEqual(['late']);

    const during = outcomeOf();
    commit.add(row('during', 3), during.send);
    await server.startAgain();
    await expect.poll(() => during.outcome.sent, { timeout: 20_000 }).toBe(true);
    await commit.stop();

    const stored = await store.after('bob', 0, 10, 0);
    expect(stored.map((envelope) => envelope.id)).toEqual(['before', 'during']);
    expect(commit.pendingBytes()).toBe(0);
  });
});
