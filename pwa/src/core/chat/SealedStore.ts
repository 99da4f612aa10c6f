/** The record groups the chat keeps on this device. */
export type ChatStoreName =
  | 'device'
  | 'sessions'
  | 'prekeys'
  | 'handshakes'
  | 'contacts'
  | 'conversations'
  | 'messages'
  | 'messageIndex'
  | 'outbox'
  | 'seen';

export const CHAT_STORE_NAMES: readonly ChatStoreName[] = [
  'device',
  'sessions',
  'prekeys',
  'handshakes',
  'contacts',
  'conversations',
  'messages',
  'messageIndex',
  'outbox',
  'seen',
];

/**
 * Where the chat keeps its records: IndexedDB sealed with this device's storage key in the
 * browser, memory in tests. Values are opaque bytes. A key may have the form `group/rest`: `list`
 * returns one group (a conversation's messages). Adapters must hide every part of a key (a
 * handle, a device or message id, a time) from anyone who reads the database without the key, as
 * they hide the values, so `list` promises no order: callers sort by what the values hold.
 */
export interface SealedStore {
  get(store: ChatStoreName, key: string): Promise<Uint8Array | undefined>;
  put(store: ChatStoreName, key: string, value: Uint8Array): Promise<void>;
  delete(store: ChatStoreName, key: string): Promise<void>;
  /**
   * Writes all of `writes` or none of them: one logical operation (a message and its
   * conversation, a send's sessions and its outbox record) in one transaction. Adapters seal
   * every value first, then write, so that no await on sealing can end the transaction early.
   * A later write to the same key wins.
   */
  writeBatch(writes: readonly SealedWrite[]): Promise<void>;
  /** The values of a whole store, or of one group of it, in no particular order. */
  list(store: ChatStoreName, group?: string): Promise<Uint8Array[]>;
}

/** One write of a batch: `value` null deletes the record. */
export interface SealedWrite {
  readonly store: ChatStoreName;
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** Splits `group/rest` at the first slash; a key without one has no group. */
export function splitRecordKey(key: string): {
  readonly group: string | null;
  readonly rest: string;
} {
  const slash = key.indexOf('/');
  return slash < 0
    ? { group: null, rest: key }
    : { group: key.slice(0, slash), rest: key.slice(slash + 1) };
}
