import { randomBytes } from 'node:crypto';
import type { ClientFrame, ProtocolErrorCode } from '@vaultroom/shared/protocol';
import { isStorageUnavailable } from '../api/isStorageUnavailable.js';
import type { GroupCommit, PendingSend } from '../mailbox/createGroupCommit.js';
import type { MailboxQuotas, QuotaEntry } from '../mailbox/createMailboxQuotas.js';
import type { Connection, PushRouter, PushRow } from './createPushRouter.js';
import type { DeliveryDeps } from './DeliveryService.js';

export type SendFrame = Extract<ClientFrame, { t: 'send' }>;

export interface SendPath {
  /**
   * Takes a `send` frame. The sends of one connection are decided and accepted one after another
   * in the order they arrived, though each may wait on the database.
   */
  take(conn: Connection, frame: SendFrame): void;
  /** The connection closed: sends of it still waiting are dropped (their outcome is unknown). */
  forget(conn: Connection): void;
  /** Sends still waiting are dropped; nothing more is accepted. */
  stop(): void;
}

export interface SendPathOptions {
  readonly deps: DeliveryDeps;
  readonly router: PushRouter;
  /** Whether a device has a connection on another relay (push notifications skip it). */
  readonly connectedElsewhere: (deviceId: string) => boolean;
  readonly commit: GroupCommit;
  readonly quotas: MailboxQuotas;
  readonly fail: (conn: Connection, id: number | null, code: ProtocolErrorCode) => void;
  /** A refusal for rate that also counts towards closing the connection. */
  readonly refuseAbuse: (conn: Connection, what: string) => void;
  readonly recordRateLimit: (conn: Connection, what: string) => void;
}

/**
 * Body bytes accepted and not yet committed (or acked) across the relay: past this, while the
 * disk or a lock holds the commits back, senders are told to slow down instead of the relay
 * holding ever more in memory.
 */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/**
 * Sends of one connection waiting on the database behind each other: past this, more are told to
 * slow down at once instead of queueing in memory (the frame rate limit allows bursts of 200).
 */
const MAX_QUEUED_SENDS = 256;

interface SendQueue {
  /** The last send of the connection; the next one starts once it is decided. */
  tail: Promise<void>;
  waiting: number;
}

/**
 * The `send` path of the delivery service (PROTOCOL.md §2.6): checks, then the envelopes go to
 * the group commit and are offered to connected recipients. The checks that read the database
 * (live recipients, quota figures not known yet) are awaited first; those that count (rates,
 * lag, pending bytes, quotas) then run with their counting and the acceptance in one go, so no
 * other send can pass on the same room in between.
 */
export function createSendPath(options: SendPathOptions): SendPath {
  const { deps, router, commit, quotas, fail } = options;
  const { ctx, store, limits } = deps;
  const queues = new Map<number, SendQueue>();
  let stopped = false;

  /** Why a valid send cannot be taken now (§2.6 flow), or null. Quotas are checked apart. */
  function slowDown(frame: SendFrame): boolean {
    if (commit.pendingBytes() >= MAX_PENDING_BYTES) return true;
    return frame.to.some((entry) => router.lagOf(entry.device) >= limits.maxDeviceLag);
  }

  /** The connection is still open (its queue the same) and the relay not stopping. */
  const current = (conn: Connection, queue: SendQueue) => !stopped && queues.get(conn.id) === queue;

  async function decide(conn: Connection, frame: SendFrame, queue: SendQueue): Promise<void> {
    if (!current(conn, queue)) return;
    const senderDeviceId = router.deviceOf(conn);
    if (senderDeviceId === null) {
      fail(conn, frame.id, 'DEVICE_REQUIRED');
      return;
    }
    const recipients = [...new Set(frame.to.map((entry) => entry.device))];
    if (recipients.length !== frame.to.length) {
      fail(conn, frame.id, 'MALFORMED_FRAME');
      return;
    }
    // The account's budget counts envelopes, not frames: a fan-out to many devices costs more.
    if (!deps.sendLimiter.take(conn.accountId, ctx.now(), frame.to.length).allowed) {
      fail(conn, frame.id, 'RATE_LIMITED');
      options.refuseAbuse(conn, 'send');
      return;
    }
    const sizes: QuotaEntry[] = frame.to.map((entry) => ({
      device: entry.device,
      bytes: entry.body.byteLength,
    }));
    const [live, figures] = await Promise.all([
      store.liveDevices(recipients),
      quotas.load(conn.accountId, sizes),
    ]);
    // Closed, or the relay stopping, while the database answered: nothing is accepted.
    if (!current(conn, queue)) return;
    if (live.size !== recipients.length) {
      fail(conn, frame.id, 'UNKNOWN_DEVICE');
      return;
    }
    // From here to the end no await: the checks and the counting they protect go together.
    if (!deps.handshakeLimiter.admit(conn.accountId, frame.to, ctx.now())) {
      fail(conn, frame.id, 'RATE_LIMITED');
      options.recordRateLimit(conn, 'handshake');
      return;
    }
    if (slowDown(frame)) {
      fail(conn, frame.id, 'SLOW_DOWN');
      return;
    }
    if (quotas.check(conn.accountId, sizes, figures) !== 'ok') {
      fail(conn, frame.id, 'QUOTA_EXCEEDED');
      return;
    }
    quotas.add(conn.accountId, sizes);
    accept(conn, frame, senderDeviceId);
  }

  function accept(conn: Connection, frame: SendFrame, senderDeviceId: string): void {
    const now = ctx.now();
    let remaining = frame.to.length;
    let settled = false;
    const send: PendingSend = {
      envelopeDone() {
        remaining -= 1;
        if (remaining === 0 && !settled) {
          settled = true;
          conn.send({ t: 'sent', id: frame.id, msg: frame.msg });
        }
      },
      refuse(code) {
        if (settled) return;
        settled = true;
        fail(conn, frame.id, code);
      },
    };
    for (const entry of frame.to) {
      const row: PushRow = {
        id: randomBytes(12).toString('base64url'),
        recipientDeviceId: entry.device,
        senderDeviceId,
        senderAccountId: conn.accountId,
        msgId: frame.msg,
        body: entry.body,
        acceptedAt: now,
        expiresAt: now + ctx.settings.retentionMs,
      };
      commit.add(row, send);
      router.offer(row);
      if (
        deps.onStoredForOffline !== undefined &&
        router.connectionsOf(entry.device).length === 0
      ) {
        const device = entry.device;
        deps.onStoredForOffline(
          device,
          conn.accountId,
          () => router.connectionsOf(device).length > 0 || options.connectedElsewhere(device),
        );
      }
    }
  }

  function settleFailure(conn: Connection, frame: SendFrame, error: unknown): void {
    if (!queues.has(conn.id)) return;
    if (isStorageUnavailable(error)) {
      fail(conn, frame.id, 'STORAGE_BUSY');
      return;
    }
    ctx.log.error({ err: error }, 'send failed');
    fail(conn, frame.id, 'INTERNAL');
  }

  return {
    take(conn, frame) {
      if (stopped) return;
      let queue = queues.get(conn.id);
      if (queue === undefined) {
        queue = { tail: Promise.resolve(), waiting: 0 };
        queues.set(conn.id, queue);
      }
      if (queue.waiting >= MAX_QUEUED_SENDS) {
        fail(conn, frame.id, 'SLOW_DOWN');
        return;
      }
      const own = queue;
      const run = () =>
        decide(conn, frame, own)
          .catch((error: unknown) => {
            settleFailure(conn, frame, error);
          })
          .finally(() => {
            own.waiting -= 1;
          });
      // Nothing of this connection waiting (the usual case on SQLite, where every read answers
      // at once): decide now, as the frame arrives, rather than a turn of the queue later.
      own.waiting += 1;
      own.tail = own.waiting === 1 ? run() : own.tail.then(run);
    },
    forget(conn) {
      queues.delete(conn.id);
    },
    stop() {
      stopped = true;
      queues.clear();
    },
  };
}
