import type { MailboxStore } from './createMailboxStore.js';

export interface QuotaSettings {
  /** Body bytes one device's mailbox may hold undelivered. */
  readonly mailboxBytes: number;
  /** Body bytes of undelivered envelopes one account's devices may have sent. */
  readonly senderBytes: number;
}

/** Which quota a send would pass, if any. */
export type QuotaVerdict = 'ok' | 'mailbox' | 'sender';

export interface MailboxQuotas {
  /**
   * Reads from the database the figures a check of these envelopes needs and the counting does
   * not know yet (at once when it knows them all). Await it, then check and add with no await in
   * between, so that no other send counts between the two.
   */
  load(senderAccountId: string, envelopes: readonly QuotaEntry[]): Promise<QuotaFigures>;
  /**
   * Whether storing these envelopes from `senderAccountId` keeps every quota; `loaded` fills in a
   * figure forgotten (reset) since it was read.
   */
  check(
    senderAccountId: string,
    envelopes: readonly QuotaEntry[],
    loaded: QuotaFigures,
  ): QuotaVerdict;
  /** Counts envelopes accepted (stored or about to be). */
  add(senderAccountId: string, envelopes: readonly QuotaEntry[]): void;
  /** Uncounts an envelope that left the mailbox (acked) or was never stored (a failed commit). */
  remove(senderAccountId: string | null, entry: QuotaEntry): void;
  /**
   * Forgets every figure: the next check reads it from the database again. Called after bulk
   * deletes (expiry, a revoked device, a deleted account) and once a minute, so that whatever
   * the counting missed (a retried send stored once, a change by another process) is corrected.
   */
  reset(): void;
}

/** Figures read by `load`, for the check that follows it. */
export interface QuotaFigures {
  readonly mailboxes: ReadonlyMap<string, number>;
  readonly sender: number;
}

export interface QuotaEntry {
  readonly device: string;
  readonly bytes: number;
}

/**
 * Byte quotas of undelivered envelopes, per recipient mailbox and per sending account, so that
 * no account can fill the relay's disk for everyone (by writing to devices that never connect,
 * its own included). Figures are read from the database when first needed and then kept by
 * counting, since summing a mailbox on every send would cost the hot path a query per recipient.
 * The read is asynchronous and the check and count are not: a send awaits `load`, then checks and
 * counts in one go, so two sends can never both pass on the same room.
 */
export function createMailboxQuotas(store: MailboxStore, settings: QuotaSettings): MailboxQuotas {
  const mailboxes = new Map<string, number>();
  const senders = new Map<string, number>();

  /** A figure as counted, or else as last read (a reset since), remembered for the counting. */
  const usage = (figures: Map<string, number>, key: string, loaded: number | undefined) => {
    let bytes = figures.get(key);
    if (bytes === undefined) {
      bytes = loaded ?? 0;
      figures.set(key, bytes);
    }
    return bytes;
  };

  return {
    async load(senderAccountId, envelopes) {
      const known = new Map<string, number>();
      const unknown: Promise<void>[] = [];
      for (const { device } of envelopes) {
        const bytes = mailboxes.get(device);
        if (bytes !== undefined) known.set(device, bytes);
        else {
          unknown.push(
            store.mailboxBytes(device).then((read) => {
              known.set(device, mailboxes.get(device) ?? read);
            }),
          );
        }
      }
      const sender = senders.get(senderAccountId) ?? (await store.bytesSentBy(senderAccountId));
      if (unknown.length > 0) await Promise.all(unknown);
      // A figure read is only a starting point: counting since (other sends) wins over it.
      for (const [device, bytes] of known) usage(mailboxes, device, bytes);
      usage(senders, senderAccountId, sender);
      return { mailboxes: known, sender };
    },
    check(senderAccountId, envelopes, loaded) {
      let total = 0;
      for (const { device, bytes } of envelopes) {
        total += bytes;
        const held = usage(mailboxes, device, loaded.mailboxes.get(device));
        if (held + bytes > settings.mailboxBytes) return 'mailbox';
      }
      const sent = usage(senders, senderAccountId, loaded.sender);
      return sent + total > settings.senderBytes ? 'sender' : 'ok';
    },
    add(senderAccountId, envelopes) {
      let total = 0;
      for (const { device, bytes } of envelopes) {
        total += bytes;
        mailboxes.set(device, (mailboxes.get(device) ?? 0) + bytes);
      }
      senders.set(senderAccountId, (senders.get(senderAccountId) ?? 0) + total);
    },
    remove(senderAccountId, { device, bytes }) {
      const mailbox = mailboxes.get(device);
      if (mailbox !== undefined) mailboxes.set(device, Math.max(0, mailbox - bytes));
      if (senderAccountId === null) return;
      const sender = senders.get(senderAccountId);
      if (sender !== undefined) senders.set(senderAccountId, Math.max(0, sender - bytes));
    },
    reset() {
      mailboxes.clear();
      senders.clear();
    },
  };
}
