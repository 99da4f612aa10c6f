import { messageKey } from './messageKey.js';
import type { OutboxRecord, OutboxStore } from './OutboxStore.js';

/** An outbox that lasts as long as the process: for Node tools, benchmarks and tests. */
export function createMemoryOutboxStore(initial: readonly OutboxRecord[] = []): OutboxStore {
  const records = new Map<string, OutboxRecord>(
    initial.map((record) => [messageKey(record.msg), record]),
  );
  return {
    load: () => Promise.resolve([...records.values()]),
    save: (record) => {
      records.set(messageKey(record.msg), record);
      return Promise.resolve();
    },
    delete: (msg) => {
      records.delete(messageKey(msg));
      return Promise.resolve();
    },
  };
}
