import type { ServerFrame } from '@vaultroom/shared/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GroupCommit } from '../mailbox/createGroupCommit.js';
import type { EnvelopeRow, MailboxStore, StoredEnvelope } from '../mailbox/createMailboxStore.js';
import { createPushRouter, type Connection, type PushRow } from './createPushRouter.js';

/**
 * A mailbox whose reads can be held open: the test decides what lands in the mailbox while a
 * drain waits on the database, which is where an asynchronous store can open a gap.
 */
function heldMailbox() {
  const stored: StoredEnvelope[] = [];
  const held: (() => void)[] = [];
  const state = { holdReads: false, failReads: 0, reads: 0 };
  const store: MailboxStore = {
    commit: () => Promise.resolve(),
    async after(deviceId, afterSeq, limit) {
      state.reads += 1;
      // The rows are chosen when the read runs, before it is held: as a database would.
      const rows = stored
        .filter((row) => row.recipientDeviceId === deviceId && row.seq > afterSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit);
      if (state.holdReads) await new Promise<void>((resolve) => held.push(resolve));
      if (state.failReads > 0) {
        state.failReads -= 1;
        throw Object.assign(new Error('connection lost'), { code: '08006' });
      }
      return rows;
    },
    count: (deviceId) =>
      Promise.resolve(stored.filter((row) => row.recipientDeviceId === deviceId).length),
    mailboxBytes: () => Promise.resolve(0),
    bytesSentBy: () => Promise.resolve(0),
    liveDevices: () => Promise.resolve(new Set()),
    expire: () => Promise.resolve(0),
  };
  /** `seq` as another relay's commit may have drawn it, earlier than rows committed before. */
  const commit = (row: EnvelopeRow, seq = stored.length + 1) => {
    stored.push({ ...row, seq, senderAccountId: 'acct' });
  };
  /** Ends the oldest read held open, and lets the drain run on. */
  const release = async () => {
    held.shift()?.();
    await settle();
  };
  return { store, state, commit, release, held };
}

/** The group commit as the drain sees it: every flush is at once (the store holds the rows). */
const committed: GroupCommit = {
  add: () => undefined,
  acked: () => undefined,
  flush: () => Promise.resolve(true),
  readyToRead: () => Promise.resolve(true),
  deletePending: () => false,
  pendingBytes: () => 0,
  stop: () => Promise.resolve(),
};

/** Lets every promise and immediate queued so far run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function connection(id: number) {
  const frames: ServerFrame[] = [];
  /** Frames sent after the connection closed: a uWS socket would throw on them. */
  const late: ServerFrame[] = [];
  const state = { open: true };
  const conn: Connection = {
    id,
    accountId: 'acct',
    sessionId: 's',
    send(frame) {
      (state.open ? frames : late).push(frame);
    },
    congested: () => false,
    close: () => undefined,
  };
  /** Envelope ids delivered, in order, and `|` for each queue-empty. */
  const seen = () =>
    frames.flatMap((frame) =>
      frame.t === 'deliver'
        ? frame.envelopes.map((envelope) => envelope.id)
        : frame.t === 'queue-empty'
          ? ['|']
          : [],
    );
  return { conn, frames, late, seen, state };
}

const row = (id: string): PushRow => ({
  id,
  recipientDeviceId: 'bob',
  senderDeviceId: 'alice',
  senderAccountId: 'acct',
  msgId: new Uint8Array(16),
  body: new Uint8Array(10),
  acceptedAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
});

const log = pino({ level: 'silent' });

describe('createPushRouter', () => {
  it('reads again before queue-empty when an envelope was offered while a batch was read', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    mailbox.commit(row('e1'));
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    mailbox.state.holdReads = true;
    router.startDrain(bob.conn);
    await settle();
    expect(mailbox.held).toHaveLength(1); // the drain's read has run, its answer not back yet
    // Meanwhile e2 is accepted: offered (held back, the drain is running), then committed.
    router.offer(row('e2'));
    mailbox.commit(row('e2'));
    mailbox.state.holdReads = false;
    await mailbox.release();
    // The read had only e1; a drain that stopped there would leave e2 in the mailbox unpushed.
    expect(bob.seen()).toEqual(['e1', 'e2', '|']);
    // Then new envelopes are pushed as they come.
    router.offer(row('e3'));
    expect(bob.seen()).toEqual(['e1', 'e2', '|', 'e3']);
    expect(router.lagOf('bob')).toBe(3); // pushed, not acked
  });

  it('skips in a drain what the device acked while its delete waits for the next commit', async () => {
    const mailbox = heldMailbox();
    // e1 was pushed live and acked on an earlier connection; its delete is not committed yet,
    // and the drain does not wait for that commit (a reconnect storm would wait on every one).
    const acked = new Set(['e1']);
    const commit: GroupCommit = {
      ...committed,
      deletePending: (device, id) => device === 'bob' && acked.has(id),
    };
    const router = createPushRouter({ store: mailbox.store, commit, now: () => 1, log });
    mailbox.commit(row('e1'));
    mailbox.commit(row('e2'));
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    router.startDrain(bob.conn);
    await settle();
    expect(bob.seen()).toEqual(['e2', '|']);
  });

  it('keeps accepted order when offers arrive during the drain of a backlog', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    for (let n = 0; n < 250; n++) mailbox.commit(row(`b${String(n)}`));
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    mailbox.state.holdReads = true;
    router.startDrain(bob.conn);
    const offered: string[] = [];
    for (let n = 0; n < 5; n++) {
      await settle();
      const id = `n${String(n)}`;
      router.offer(row(id));
      mailbox.commit(row(id));
      offered.push(id);
      await mailbox.release();
    }
    mailbox.state.holdReads = false;
    while (mailbox.held.length > 0) await mailbox.release();
    await settle();
    const expected = [...Array.from({ length: 250 }, (_, n) => `b${String(n)}`), ...offered, '|'];
    expect(bob.seen()).toEqual(expected);
  });

  it('ends a drain cleanly when its connection closes while the mailbox is read', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    mailbox.commit(row('e1'));
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    mailbox.state.holdReads = true;
    router.startDrain(bob.conn);
    await settle();
    router.close(bob.conn);
    bob.state.open = false;
    await mailbox.release();
    expect(bob.late).toEqual([]);
    expect(bob.frames).toEqual([]);
    expect(router.connectionsOf('bob')).toEqual([]);
    expect(mailbox.state.reads).toBe(1);
  });

  it('tries a failed read again, then delivers the backlog in order', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    mailbox.commit(row('e1'));
    mailbox.commit(row('e2'));
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    mailbox.state.failReads = 1;
    router.startDrain(bob.conn);
    await settle();
    expect(bob.seen()).toEqual([]);
    router.offer(row('e3')); // held back: the rest comes from the mailbox
    mailbox.commit(row('e3'));
    await expect
      .poll(() => bob.seen(), { timeout: 3000, interval: 50 })
      .toEqual(['e1', 'e2', 'e3', '|']);
  });

  it('pushes on a wake-up what another relay committed, with no queue-empty after it', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    router.startDrain(bob.conn);
    await settle();
    expect(bob.seen()).toEqual(['|']);
    mailbox.commit(row('r1'));
    router.wake('bob', false);
    await settle();
    // A device nobody here holds is no work at all.
    router.wake('carol', false);
    expect(bob.seen()).toEqual(['|', 'r1']);
    expect(mailbox.state.reads).toBe(2);
  });

  it('reads again before ending a drain when a wake-up came while it read', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    mailbox.commit(row('e1'));
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    mailbox.state.holdReads = true;
    router.startDrain(bob.conn);
    await settle();
    mailbox.commit(row('r1')); // committed elsewhere after the drain's read
    router.wake('bob', false);
    mailbox.state.holdReads = false;
    await mailbox.release();
    expect(bob.seen()).toEqual(['e1', 'r1', '|']);
  });

  it('finds on a catch-up an envelope that another relay committed with an earlier seq', async () => {
    const mailbox = heldMailbox();
    const router = createPushRouter({ store: mailbox.store, commit: committed, now: () => 1, log });
    const bob = connection(1);
    router.open(bob.conn);
    router.attach(bob.conn, 'bob');
    router.startDrain(bob.conn);
    await settle();
    mailbox.commit(row('r2'), 20);
    router.wake('bob', false);
    await settle();
    // r1 drew seq 10 before r2 but its commit landed after the read that pushed r2.
    mailbox.commit(row('r1'), 10);
    router.wake('bob', false);
    await settle();
    expect(bob.seen()).toEqual(['|', 'r2']);
    router.wake('bob', true);
    await settle();
    // r2, pushed and not acked, is not pushed again on the same connection.
    expect(bob.seen()).toEqual(['|', 'r2', 'r1']);
  });

  it('tells when a device gets its first connection here and loses its last', () => {
    const mailbox = heldMailbox();
    const changes: string[] = [];
    const router = createPushRouter({
      store: mailbox.store,
      commit: committed,
      now: () => 1,
      log,
      onPresence: (device, connected) => changes.push(`${device}:${String(connected)}`),
    });
    const tab1 = connection(1);
    const tab2 = connection(2);
    for (const tab of [tab1, tab2]) {
      router.open(tab.conn);
      router.attach(tab.conn, 'bob');
    }
    expect(router.devices()).toEqual(['bob']);
    router.close(tab1.conn);
    expect(changes).toEqual(['bob:true']);
    router.close(tab2.conn);
    expect(changes).toEqual(['bob:true', 'bob:false']);
    expect(router.devices()).toEqual([]);
  });
});
