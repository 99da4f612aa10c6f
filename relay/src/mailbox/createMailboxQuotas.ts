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
  /** Whether storing these envelopes from `senderAccountId` keeps every quota. */
  check(senderAccountId: string, envelopes: readonly QuotaEntry[]): QuotaVerdict;
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

export interface QuotaEntry {
  readonly device: string;
  readonly bytes: number;
}

/**
 * Byte quotas of undelivered envelopes, per recipient mailbox and per sending account, so that
 * no account can fill the relay's disk for everyone (by writing to devices that never connect,
 * its own included). Figures are read from the database when first needed and then kept by
 * counting, since summing a mailbox on every send would cost the hot path a query per recipient.
 */
export function createMailboxQuotas(store: MailboxStore, settings: QuotaSettings): MailboxQuotas {
  const mailboxes = new Map<string, number>();
  const senders = new Map<string, number>();

  const mailboxUsage = (device: string): number => {
    let bytes = mailboxes.get(device);
    if (bytes === undefined) {
      bytes = store.mailboxBytes(device);
      mailboxes.set(device, bytes);
    }
    return bytes;
  };
  const senderUsage = (account: string): number => {
    let bytes = senders.get(account);
    if (bytes === undefined) {
      bytes = store.bytesSentBy(account);
      senders.set(account, bytes);
    }
    return bytes;
  };

  return {
    check(senderAccountId, envelopes) {
      let total = 0;
      for (const { device, bytes } of envelopes) {
        total += bytes;
        if (mailboxUsage(device) + bytes > settings.mailboxBytes) return 'mailbox';
      }
      return senderUsage(senderAccountId) + total > settings.senderBytes ? 'sender' : 'ok';
    },
    add(senderAccountId, envelopes) {
      let total = 0;
      for (const { device, bytes } of envelopes) {
        total += bytes;
        mailboxes.set(device, mailboxUsage(device) + bytes);
      }
      senders.set(senderAccountId, senderUsage(senderAccountId) + total);
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
