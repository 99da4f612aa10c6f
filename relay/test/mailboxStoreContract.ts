import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RelayDb } from '../src/db/schema.js';
import type { EnvelopeRow, MailboxStore } from '../src/mailbox/createMailboxStore.js';

/** A mailbox store on an engine, with the database it writes to (for fixtures). */
export interface MailboxStoreUnderTest {
  readonly store: MailboxStore;
  readonly db: RelayDb;
  close(): Promise<void>;
}

/**
 * What every MailboxStore must do, whatever its engine: the test body is shared so that SQLite
 * (relay/src/mailbox, unit) and PostgreSQL (relay/test/postgres, integration: it needs a server)
 * are held to the same behaviour, to the byte.
 */
export function describeMailboxStore(
  engine: string,
  open: () => Promise<MailboxStoreUnderTest>,
): void {
  describe(`the mailbox store on ${engine}`, () => {
    let opened: MailboxStoreUnderTest;
    let store: MailboxStore;

    const envelope = (
      id: string,
      recipient: string,
      msg: number,
      sender = 'alice',
      bytes = 200,
    ): EnvelopeRow => ({
      id,
      recipientDeviceId: recipient,
      senderDeviceId: sender,
      msgId: new Uint8Array(16).fill(msg),
      body: new Uint8Array(bytes).fill(msg),
      acceptedAt: 1000,
      expiresAt: 2000,
    });
    const ids = async (device: string, afterSeq = 0, limit = 100, now = 1500) =>
      (await store.after(device, afterSeq, limit, now)).map((row) => row.id);

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });

    afterAll(async () => {
      await opened.close();
    });

    beforeEach(async () => {
      const { db } = opened;
      await db.deleteFrom('envelopes').execute();
      await db.deleteFrom('devices').execute();
      await db.deleteFrom('accounts').execute();
      await db
        .insertInto('accounts')
        .values(
          ['acct', 'other'].map((id) => ({
            id,
            handle: id,
            handle_key: id,
            display_name: id,
            role: 'member' as const,
            status: 'active' as const,
            webauthn_user_id: new Uint8Array([id.length]),
            created_at: '2026-01-01T00:00:00.000Z',
            recovery_notice_at: null,
          })),
        )
        .execute();
      const devices: [string, string, number | null][] = [
        ['alice', 'acct', null],
        ['bob', 'acct', null],
        ['carol', 'other', null],
        ['revoked', 'other', 5],
      ];
      await db
        .insertInto('devices')
        .values(
          devices.map(([id, account, revokedAt], n) => ({
            id,
            account_id: account,
            name: id,
            signing_key: new Uint8Array([n]),
            dh_key: new Uint8Array([0]),
            dh_signature: new Uint8Array([0]),
            created_at: 0,
            last_seen_at: null,
            revoked_at: revokedAt,
          })),
        )
        .execute();
    });

    it('stores new envelopes and deletes acked ones in one commit', async () => {
      await store.commit([envelope('e1', 'bob', 1), envelope('e2', 'bob', 2)], new Map());
      await store.commit([envelope('e3', 'bob', 3)], new Map([['bob', ['e1']]]));
      expect(await ids('bob')).toEqual(['e2', 'e3']);
    });

    it('reads a mailbox in accepted order, after a seq, up to a limit, unexpired', async () => {
      await store.commit(
        [envelope('e1', 'bob', 1), envelope('e2', 'carol', 2), envelope('e3', 'bob', 3)],
        new Map(),
      );
      await store.commit([envelope('e4', 'bob', 4), envelope('e5', 'bob', 5)], new Map());
      const all = await store.after('bob', 0, 100, 1500);
      expect(all.map((row) => row.id)).toEqual(['e1', 'e3', 'e4', 'e5']);
      const seqs = all.map((row) => row.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(typeof seqs[0]).toBe('number');
      expect(await ids('bob', seqs[1], 2)).toEqual(['e4', 'e5']);
      expect(await ids('bob', 0, 100, 2000)).toEqual([]); // expired at 2000
    });

    it('gives back each field as stored, bytes to the byte, with the sender’s account', async () => {
      const stored: EnvelopeRow = {
        id: 'e1',
        recipientDeviceId: 'bob',
        senderDeviceId: 'carol',
        msgId: new Uint8Array([0, 1, 2, 254, 255, 0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        body: new Uint8Array([0, 0, 255, 92, 120, 39, 34, 123, 125, 44]),
        acceptedAt: 2 ** 42,
        expiresAt: 2 ** 42 + 1,
      };
      await store.commit([stored, envelope('e2', 'bob', 2, 'deleted-device')], new Map());
      const [first, second] = await store.after('bob', 0, 10, 2 ** 42);
      expect(first).toMatchObject({
        id: 'e1',
        recipientDeviceId: 'bob',
        senderDeviceId: 'carol',
        senderAccountId: 'other',
        acceptedAt: 2 ** 42,
        expiresAt: 2 ** 42 + 1,
      });
      expect(Uint8Array.from(first?.msgId ?? [])).toEqual(stored.msgId);
      expect(Uint8Array.from(first?.body ?? [])).toEqual(stored.body);
      // The sending device is gone (its account deleted): no account to name.
      expect(second).toBeUndefined(); // expired: e2 expires at 2000
      expect((await store.after('bob', 0, 10, 1500))[1]).toMatchObject({
        id: 'e2',
        senderAccountId: null,
      });
    });

    it('deletes an acked envelope only from the acking device’s own mailbox', async () => {
      await store.commit([envelope('e1', 'bob', 1)], new Map());
      await store.commit([], new Map([['alice', ['e1']]]));
      expect(await ids('bob')).toEqual(['e1']);
      await store.commit([], new Map([['bob', ['e1', 'unknown']]]));
      expect(await ids('bob')).toEqual([]);
    });

    it('stores a retried send once, and a repeated envelope id once', async () => {
      await store.commit([envelope('e1', 'bob', 1)], new Map());
      await store.commit([envelope('e1-retry', 'bob', 1), envelope('e1', 'carol', 9)], new Map());
      expect(await ids('bob')).toEqual(['e1']);
      expect(await ids('carol')).toEqual([]);
      // The first body wins.
      expect((await store.after('bob', 0, 1, 1500))[0]?.body[0]).toBe(1);
    });

    it('commits nothing, deletes included, when any row of the batch fails', async () => {
      await store.commit([envelope('e1', 'bob', 1)], new Map());
      await expect(
        store.commit(
          [envelope('e2', 'bob', 2), envelope('e3', 'nobody', 3)],
          new Map([['bob', ['e1']]]),
        ),
      ).rejects.toThrow(/foreign key/i);
      expect(await ids('bob')).toEqual(['e1']);
    });

    it('counts a mailbox, and sums its bytes and an account’s sent bytes', async () => {
      await store.commit(
        [
          envelope('e1', 'bob', 1, 'alice', 100),
          envelope('e2', 'bob', 2, 'carol', 300),
          envelope('e3', 'carol', 3, 'alice', 50),
        ],
        new Map(),
      );
      expect(await store.count('bob', 1500)).toBe(2);
      expect(await store.count('bob', 2000)).toBe(0);
      expect(await store.count('nobody', 0)).toBe(0);
      expect(await store.mailboxBytes('bob')).toBe(400);
      expect(await store.mailboxBytes('nobody')).toBe(0);
      // acct's devices (alice) sent 150, other's (carol) 300.
      expect(await store.bytesSentBy('acct')).toBe(150);
      expect(await store.bytesSentBy('other')).toBe(300);
      expect(await store.bytesSentBy('nobody')).toBe(0);
    });

    it('names the live devices among some ids: not unknown, not revoked', async () => {
      expect(await store.liveDevices(['bob', 'revoked', 'nobody', 'carol'])).toEqual(
        new Set(['bob', 'carol']),
      );
      expect(await store.liveDevices([])).toEqual(new Set());
    });

    it('expires envelopes past their retention, and says how many', async () => {
      await store.commit(
        [envelope('e1', 'bob', 1), { ...envelope('e2', 'bob', 2), expiresAt: 5000 }],
        new Map(),
      );
      expect(await store.expire(2000)).toBe(1);
      expect(await store.expire(2000)).toBe(0);
      expect(await ids('bob', 0, 100, 0)).toEqual(['e2']);
    });

    it('keeps the order of a large group commit', async () => {
      const rows = Array.from({ length: 2000 }, (_, n) =>
        envelope(`e${String(n)}`, 'bob', 0, `sender-${String(n)}`, 10),
      );
      await store.commit(rows, new Map());
      const read = await store.after('bob', 0, 5000, 1500);
      expect(read.map((row) => row.id)).toEqual(rows.map((row) => row.id));
    });
  });
}
