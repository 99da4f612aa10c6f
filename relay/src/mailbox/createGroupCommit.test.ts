import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../log/createLogger.js';
import { createGroupCommit, type PendingSend } from './createGroupCommit.js';
import type { EnvelopeRow, MailboxStore } from './createMailboxStore.js';

/** A mailbox store that records commits, and fails them while told to. */
function fakeStore() {
  const commits: { rows: string[]; deletes: string[] }[] = [];
  const state = { failWith: null as string | null };
  const store: MailboxStore = {
    commit(rows, acked) {
      if (state.failWith !== null) {
        throw Object.assign(new Error(state.failWith), { code: state.failWith });
      }
      commits.push({ rows: rows.map((row) => row.id), deletes: [...acked.values()].flat() });
    },
    after: () => [],
    count: () => 0,
    mailboxBytes: () => 0,
    bytesSentBy: () => 0,
    liveDevices: () => new Set(),
    expire: () => 0,
  };
  return { store, commits, state };
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

  it('commits a window of envelopes and acked deletes in one transaction, then tells senders', () => {
    const { store, commits } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    const one = sendOf(2);
    commit.add(row('e1'), one.send);
    commit.add(row('e2', 'carol'), one.send);
    commit.acked('bob', 'old');
    expect(one.outcome.sent).toBe(false);
    vi.advanceTimersByTime(2);
    expect(commits).toEqual([{ rows: ['e1', 'e2'], deletes: ['old'] }]);
    expect(one.outcome.sent).toBe(true);
    expect(commit.pendingBytes()).toBe(0);
  });

  it('settles an envelope its recipient acks before the commit without writing it', () => {
    const { store, commits } = fakeStore();
    const commit = createGroupCommit({ store, log, onDropped: () => undefined, now: Date.now });
    const one = sendOf(1);
    commit.add(row('e1'), one.send);
    commit.acked('mallory', 'e1'); // not the recipient: a delete of nothing, not a settle
    expect(one.outcome.sent).toBe(false);
    commit.acked('bob', 'e1');
    expect(one.outcome.sent).toBe(true);
    vi.advanceTimersByTime(2);
    expect(commits).toEqual([{ rows: [], deletes: ['e1'] }]);
  });

  it('waits out a lock per envelope: the oldest is refused at the deadline, newer ones wait on', () => {
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
    vi.advanceTimersByTime(900);
    expect(commit.flush()).toBe(false); // locked: only the retry timer tries
    const online = sendOf(1);
    const fresh = sendOf(1);
    commit.add(row('online'), online.send);
    commit.add(row('fresh'), fresh.send);
    // An online recipient acks while the lock lasts: done without the disk.
    commit.acked('bob', 'online');
    expect(online.outcome.sent).toBe(true);
    vi.advanceTimersByTime(200);
    expect(old.outcome.refused).toBe('STORAGE_BUSY');
    expect(dropped).toEqual(['old']);
    expect(fresh.outcome).toEqual({ sent: false, refused: null });
    state.failWith = null;
    vi.advanceTimersByTime(100);
    expect(fresh.outcome.sent).toBe(true);
    expect(commits.at(-1)?.rows).toEqual(['fresh']);
  });

  it('refuses at once on a full disk, giving back what it held', () => {
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
    vi.advanceTimersByTime(2);
    expect(one.outcome.refused).toBe('STORAGE_FULL');
    expect(dropped).toEqual(['e1']);
    expect(commit.pendingBytes()).toBe(0);
  });
});
