import { describe, expect, it } from 'vitest';
import type { EnvelopeRow, MailboxStore } from '../mailbox/createMailboxStore.js';
import { createInProcessFanout, type Fanout } from './Fanout.js';
import { wakeAfterCommit } from './wakeAfterCommit.js';

const row = (id: string, device: string): EnvelopeRow => ({
  id,
  recipientDeviceId: device,
  senderDeviceId: 'alice',
  msgId: new Uint8Array(16),
  body: new Uint8Array(4),
  acceptedAt: 0,
  expiresAt: 1,
});

/** A mailbox whose commit the test settles: it records when the fan-out was told. */
function mailbox(log: string[], fail = false): MailboxStore {
  const unused = () => Promise.reject(new Error('not used here'));
  return {
    async commit(rows) {
      await Promise.resolve();
      if (fail) throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
      log.push(`committed ${String(rows.length)}`);
    },
    after: unused,
    count: unused,
    mailboxBytes: unused,
    bytesSentBy: unused,
    liveDevices: unused,
    expire: unused,
  };
}

function recordingFanout(log: string[]): Fanout {
  return {
    ...createInProcessFanout(),
    committed: (devices) => log.push(`wake ${devices.join(',')}`),
  };
}

describe('wakeAfterCommit', () => {
  it('wakes the other relays once per commit, after it is durable, each device once', async () => {
    const log: string[] = [];
    const store = wakeAfterCommit(mailbox(log), recordingFanout(log));
    await store.commit([row('e1', 'bob'), row('e2', 'bob'), row('e3', 'carol')], new Map());
    expect(log).toEqual(['committed 3', 'wake bob,carol']);
  });

  it('tells nobody of a commit that failed, or of one that only deleted', async () => {
    const log: string[] = [];
    const failing = wakeAfterCommit(mailbox(log, true), recordingFanout(log));
    await expect(failing.commit([row('e1', 'bob')], new Map())).rejects.toThrow('disk full');
    const deleting = wakeAfterCommit(mailbox(log), recordingFanout(log));
    await deleting.commit([], new Map([['bob', ['e0']]]));
    expect(log).toEqual(['committed 0']);
  });
});
