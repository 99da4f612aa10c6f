/** One recipient device's envelope of a send (PROTOCOL.md §2.4 `send.to`). */
export interface OutboxRecipient<Bytes extends Uint8Array = Uint8Array> {
  readonly device: string;
  readonly body: Bytes;
}

/** A send the relay has not yet answered with `sent`. */
export interface OutboxRecord {
  /** The 16-byte client message id: resent unchanged so the relay stores it once (§2.6). */
  readonly msg: Uint8Array<ArrayBuffer>;
  readonly to: readonly OutboxRecipient<Uint8Array<ArrayBuffer>>[];
  /** Enqueue order, kept across restarts so resends go out in the order they were made. */
  readonly seq: number;
  readonly createdAt: number;
}

/**
 * Where the outbox lives between runs (IndexedDB in the PWA, memory in tests). Only load, save
 * and delete: the client owns the logic. A send is saved before `send()` resolves and deleted
 * once the relay answered `sent` or refused it for good.
 */
export interface OutboxStore {
  load(): Promise<OutboxRecord[]>;
  save(record: OutboxRecord): Promise<void>;
  delete(msg: Uint8Array): Promise<void>;
}
