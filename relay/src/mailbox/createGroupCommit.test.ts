import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../log/createLogger.js';
import { createGroupCommit, type PendingSend } from './createGroupCommit.js';
import type { EnvelopeRow, MailboxStore } from './createMailboxStore.js';

/**
 * A mailbox store that records commits, and fails them while told to. While `hold` is set, each
 * commit stays in flight until the test calls the resolver it left in `inFlight`.
 */
function fakeStore() {
  const commits: { rows: string[]; deletes: string[] }[] = [];
  const state = {
    failWith: null as string | null,
    hold: false,
    inFlight: [] as (() => void)[],
    /** Commits started and not yet ended. */
    active: 0,
    /** The most commits ever in flight at once. */
    mostActive: 0,
  };
  const store: MailboxStore = {
    async commit(rows, acked) {
      state.active += 1;
      state.mostActive = Math.max(state.mostActive, state.active);
      commits.push({ rows: rows.map((row) => row.id), deletes: [...acked.values()].flat() });
      try {
        if (state.hold) await new Promise<void>((resolve) => state.inFlight.push(resolve));
        if (state.failWith !== null) {
          commits.pop();
          throw Object.assign(new Error(state.failWith), { code: state.failWith });
        }
      } finally {
        state.active -= 1;
      }
    },
    after: () => Promise.resolve([]),
    count: () => Promise.resolve(0),
    mailboxBytes: () => Promise.resolve(0),
    bytesSentBy: () => Promise.resolve(0),
    liveDevices: () => Promise.resolve(new Set()),
    expire: () => Promise.resolve(0),
  };
  /** Ends the oldest commit in flight. */
  const release = async () => {
    state.inFlight.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { store, commits, state, release };
}

const row = (id: string, recipient = 'bob'): EnvelopeRow => ({
  id,
  recipientDeviceId: recipient,
  senderDeviceId: 'alice',
  msgId: new Uint8Array(16),
  body: new Uint8Array(100),
  acceptedAt: 0,
  expiresAt: 1,
});

/** A send of `envelopes` envelopes, recording how it ended. */
function sendOf(envelopes: number) {
  const outcome = { sent: false, refused: null as string | null };
  let remaining = envelopes;
  const send: PendingSend = {
    envelopeDone() {
      remaining -= 1;
      if (remaining === 0) outcome.sent = true;
    },
    refuse(code) {
      outcome.refused = code;
    },
  };
  return { send, outcome };
}

const log = { error: () => undefined } as unknown as Logger;

describe('createGroupCommit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('commits a window of envelopes and acked deletes in one transaction, then tells senders', async () => {
    const { store, commits } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    const one = sendOf(2);
    commit.add(row('e1'), one.send);
    commit.add(row('e2', 'carol'), one.send);
    commit.acked('bob', 'old');
    expect(one.outcome.sent).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(commits).toEqual([{ rows: ['e1', 'e2'], deletes: ['old'] }]);
    expect(one.outcome.sent).toBe(true);
    expect(commit.pendingBytes()).toBe(0);
  });

  it('settles an envelope its recipient acks before the commit without writing it', async () => {
    const { store, commits } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    const one = sendOf(1);
    commit.add(row('e1'), one.send);
    commit.acked('mallory', 'e1'); // not the recipient: a delete of nothing, not a settle
    expect(one.outcome.sent).toBe(false);
    commit.acked('bob', 'e1');
    expect(one.outcome.sent).toBe(true);
    await vi.advanceTimersByTimeAsync(2);
    expect(commits).toEqual([{ rows: [], deletes: ['e1'] }]);
  });

  it('waits out a lock per envelope: the oldest is refused at the deadline, newer ones wait on', async () => {
    const { store, commits, state } = fakeStore();
    const dropped: string[] = [];
    const commit = createGroupCommit({
      store,
      log,
      onDropped: (entry) => dropped.push(entry.id),
      now: Date.now,
      busyRetryMs: 50,
      busyDeadlineMs: 1000,
    });
    state.failWith = 'SQLITE_BUSY';
    const old = sendOf(1);
    commit.add(row('old'), old.send);
    await vi.advanceTimersByTimeAsync(900);
    expect(await commit.flush()).toBe(false); // locked: only the retry timer tries
    const online = sendOf(1);
    const fresh = sendOf(1);
    commit.add(row('online'), online.send);
    commit.add(row('fresh'), fresh.send);
    // An online recipient acks while the lock lasts: done without the disk.
    commit.acked('bob', 'online');
    expect(online.outcome.sent).toBe(true);
    await vi.advanceTimersByTimeAsync(200);
    expect(old.outcome.refused).toBe('STORAGE_BUSY');
    expect(dropped).toEqual(['old']);
    expect(fresh.outcome).toEqual({ sent: false, refused: null });
    state.failWith = null;
    await vi.advanceTimersByTimeAsync(100);
    expect(fresh.outcome.sent).toBe(true);
    expect(commits.at(-1)?.rows).toEqual(['fresh']);
  });

  it('refuses at once on a full disk, giving back what it held', async () => {
    const { store, state } = fakeStore();
    const dropped: string[] = [];
    const commit = createGroupCommit({
      store,
      log,
      onDropped: (entry) => dropped.push(entry.id),
      now: Date.now,
    });
    state.failWith = 'SQLITE_FULL';
    const one = sendOf(1);
    commit.add(row('e1'), one.send);
    await vi.advanceTimersByTimeAsync(2);
    expect(one.outcome.refused).toBe('STORAGE_FULL');
    expect(dropped).toEqual(['e1']);
    expect(commit.pendingBytes()).toBe(0);
  });

  it('keeps one commit in flight: what arrives meanwhile goes in the next, after it', async () => {
    const { store, commits, state, release } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    state.hold = true;
    const first = sendOf(1);
    commit.add(row('e1'), first.send);
    await vi.advanceTimersByTimeAsync(2);
    expect(commits).toEqual([{ rows: ['e1'], deletes: [] }]);
    const second = sendOf(1);
    commit.add(row('e2'), second.send);
    await vi.advanceTimersByTimeAsync(50); // the window passes, the first commit has not ended
    expect(commits).toHaveLength(1);
    expect(first.outcome.sent).toBe(false);
    await release();
    expect(first.outcome.sent).toBe(true);
    expect(second.outcome.sent).toBe(false);
    expect(commits).toEqual([
      { rows: ['e1'], deletes: [] },
      { rows: ['e2'], deletes: [] },
    ]);
    await release();
    expect(second.outcome.sent).toBe(true);
    expect(state.mostActive).toBe(1);
    expect(commit.pendingBytes()).toBe(0);
  });

  it('deletes an envelope acked while its insert is in flight in the next commit', async () => {
    const { store, commits, state, release } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    state.hold = true;
    const one = sendOf(1);
    commit.add(row('e1'), one.send);
    await vi.advanceTimersByTimeAsync(2);
    commit.acked('bob', 'e1'); // pushed, then acked, while its commit is in flight
    expect(one.outcome.sent).toBe(false); // told only once the commit has it on disk
    await vi.advanceTimersByTimeAsync(10);
    expect(commits).toHaveLength(1);
    await release();
    expect(one.outcome.sent).toBe(true);
    expect(commits.at(-1)).toEqual({ rows: [], deletes: ['e1'] });
    await release();
    expect(state.mostActive).toBe(1);
  });

  it('flush resolves once what was pending at the call is committed, behind the one in flight', async () => {
    const { store, commits, state, release } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    state.hold = true;
    commit.add(row('e1'), sendOf(1).send);
    await vi.advanceTimersByTimeAsync(2);
    commit.add(row('e2'), sendOf(1).send);
    let flushed: boolean | null = null;
    void commit.flush().then((result) => (flushed = result));
    await release(); // e1 lands; e2's commit starts
    expect(flushed).toBeNull();
    expect(commits.at(-1)?.rows).toEqual(['e2']);
    await release();
    expect(flushed).toBe(true);
    // Nothing pending and nothing in flight: at once.
    expect(await commit.flush()).toBe(true);
  });

  it('lets a reader go once envelopes are in, without waiting for acks, which it names instead', async () => {
    const { store, commits, state, release } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    state.hold = true;
    commit.add(row('e1'), sendOf(1).send);
    let ready: boolean | null = null;
    void commit.readyToRead().then((result) => (ready = result));
    await vi.advanceTimersByTimeAsync(0);
    expect(ready).toBeNull(); // e1 is not in the mailbox yet
    await release();
    expect(ready).toBe(true);
    // Only a delete in flight, another pending: a reader need not wait, and skips both.
    commit.acked('bob', 'e1');
    void commit.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(commits.at(-1)).toEqual({ rows: [], deletes: ['e1'] });
    commit.acked('bob', 'e0');
    expect(await commit.readyToRead()).toBe(true);
    expect(commit.deletePending('bob', 'e1')).toBe(true); // in flight
    expect(commit.deletePending('bob', 'e0')).toBe(true); // pending
    expect(commit.deletePending('carol', 'e1')).toBe(false);
    await release();
    expect(commit.deletePending('bob', 'e1')).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    await release();
    expect(commit.deletePending('bob', 'e0')).toBe(false);
  });

  it('stop waits for the commit in flight, then commits what is left', async () => {
    const { store, commits, state, release } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    state.hold = true;
    const first = sendOf(1);
    const second = sendOf(1);
    commit.add(row('e1'), first.send);
    await vi.advanceTimersByTimeAsync(2);
    commit.add(row('e2'), second.send);
    let stopped = false;
    void commit.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    await release();
    expect(commits.at(-1)?.rows).toEqual(['e2']);
    expect(stopped).toBe(false);
    await release();
    expect(stopped).toBe(true);
    expect(first.outcome.sent && second.outcome.sent).toBe(true);
  });

  it('keeps a batch that met a lock in flight and what came meanwhile, in order, for the retry', async () => {
    const { store, commits, state, release } = fakeStore();
    const commit = createGroupCommit({
      store,
      log,
      onDropped: () => undefined,
      now: Date.now,
      busyRetryMs: 50,
    });
    state.hold = true;
    state.failWith = 'SQLITE_BUSY';
    const first = sendOf(1);
    const second = sendOf(1);
    commit.add(row('e1'), first.send);
    await vi.advanceTimersByTimeAsync(2);
    commit.add(row('e2'), second.send);
    await release(); // the first commit meets the lock
    expect(await commit.flush()).toBe(false);
    state.hold = false;
    state.failWith = null;
    await vi.advanceTimersByTimeAsync(50);
    expect(commits).toEqual([{ rows: ['e1', 'e2'], deletes: [] }]);
    expect(first.outcome.sent && second.outcome.sent).toBe(true);
  });
});
