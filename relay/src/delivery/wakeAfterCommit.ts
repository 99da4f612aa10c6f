import type { MailboxStore } from '../mailbox/createMailboxStore.js';
import type { Fanout } from './Fanout.js';

/**
 * The mailbox as the group commit writes it, telling the fan-out which devices got envelopes once
 * each commit is durable: a relay woken for a device reads its mailbox, so the wake-up must not
 * overtake the rows it announces. A commit that failed tells nothing (its senders retry).
 */
export function wakeAfterCommit(store: MailboxStore, fanout: Fanout): MailboxStore {
  return {
    ...store,
    async commit(rows, acked) {
      await store.commit(rows, acked);
      if (rows.length === 0) return;
      fanout.committed([...new Set(rows.map((row) => row.recipientDeviceId))]);
    },
  };
}
