import type { ProtocolErrorCode, ServerFrame } from '@vaultroom/shared/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeliveryContext } from './DeliveryContext.js';
import type { DeliveryDeps } from './DeliveryService.js';
import { createHandshakeLimiter } from '../limits/createHandshakeLimiter.js';
import { createRateLimiter } from '../limits/createRateLimiter.js';
import type { GroupCommit } from '../mailbox/createGroupCommit.js';
import { createMailboxQuotas } from '../mailbox/createMailboxQuotas.js';
import type { EnvelopeRow, MailboxStore } from '../mailbox/createMailboxStore.js';
import { createPushRouter, type Connection } from './createPushRouter.js';
import { createSendPath, type SendFrame } from './createSendPath.js';

/**
 * A mailbox whose device lookups answer in the order the test says: a later send's lookup may
 * come back before an earlier one's, as on a pool of database connections.
 */
function slowLookups() {
  const waiting: (() => void)[] = [];
  const store: MailboxStore = {
    commit: () => Promise.resolve(),
    after: () => Promise.resolve([]),
    count: () => Promise.resolve(0),
    mailboxBytes: () => Promise.resolve(0),
    bytesSentBy: () => Promise.resolve(0),
    async liveDevices(ids) {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return new Set(ids);
    },
    expire: () => Promise.resolve(0),
  };
  return { store, waiting };
}

function sendPathOn(store: MailboxStore, quotas = { mailboxBytes: 1 << 30, senderBytes: 1 << 30 }) {
  const accepted: EnvelopeRow[] = [];
  const refused: { id: number | null; code: ProtocolErrorCode }[] = [];
  const commit: GroupCommit = {
    add: (row) => accepted.push(row),
    acked: () => undefined,
    flush: () => Promise.resolve(true),
    readyToRead: () => Promise.resolve(true),
    deletePending: () => false,
    pendingBytes: () => 0,
    stop: () => Promise.resolve(),
  };
  const log = pino({ level: 'silent' });
  const ctx = {
    settings: { retentionMs: 1000, lowPrekeyThreshold: 20, prekeyGraceMs: 0 },
    now: () => 1,
    log,
  } as unknown as DeliveryContext;
  const limiter = () => createRateLimiter({ burst: 1000, perMinute: 1000 });
  const deps: DeliveryDeps = {
    ctx,
    store,
    limits: { maxDeviceLag: 5000, quotas },
    sendLimiter: limiter(),
    bundleLimiter: limiter(),
    handshakeLimiter: createHandshakeLimiter({ perWindow: 100, windowMs: 1000 }),
    frameLimiter: limiter(),
    abuseLimiter: limiter(),
    emptyAckLimiter: limiter(),
    onSessionsEnded: () => undefined,
    onRateLimited: () => undefined,
  };
  const router = createPushRouter({ store, commit, now: ctx.now, log });
  const path = createSendPath({
    deps,
    router,
    connectedElsewhere: () => false,
    commit,
    quotas: createMailboxQuotas(store, quotas),
    fail: (_conn, id, code) => refused.push({ id, code }),
    refuseAbuse: () => undefined,
    recordRateLimit: () => undefined,
  });
  const connect = (id: number, device: string): Connection => {
    const conn: Connection = {
      id,
      accountId: `account-${device}`,
      sessionId: 's',
      send: (_frame: ServerFrame) => undefined,
      congested: () => false,
      close: () => undefined,
    };
    router.open(conn);
    router.attach(conn, device);
    return conn;
  };
  return { path, router, accepted, refused, connect };
}

const send = (id: number, to: string, bytes = 10): SendFrame => ({
  t: 'send',
  id,
  msg: new Uint8Array(16).fill(id),
  to: [{ device: to, body: new Uint8Array(bytes) }],
});

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('createSendPath', () => {
  it('accepts the sends of one connection in the order they came, whatever the database does', async () => {
    const { store, waiting } = slowLookups();
    const { path, accepted, connect } = sendPathOn(store);
    const alice = connect(1, 'alice');
    for (let id = 1; id <= 3; id++) path.take(alice, send(id, 'bob'));
    await settle();
    // Only the first send is being decided: the others wait behind it.
    expect(waiting).toHaveLength(1);
    waiting.shift()?.();
    await settle();
    waiting.shift()?.();
    await settle();
    waiting.shift()?.();
    await settle();
    expect(accepted.map((row) => row.msgId[0])).toEqual([1, 2, 3]);
  });

  it('lets two connections’ sends overlap, but never both pass on the last room of a quota', async () => {
    const { store, waiting } = slowLookups();
    const { path, accepted, refused, connect } = sendPathOn(store, {
      mailboxBytes: 150,
      senderBytes: 1 << 30,
    });
    path.take(connect(1, 'alice'), send(1, 'bob', 100));
    path.take(connect(2, 'carol'), send(2, 'bob', 100));
    await settle();
    expect(waiting).toHaveLength(2); // both decided at once, on two connections
    waiting.pop()?.();
    waiting.pop()?.();
    await settle();
    expect(accepted.map((row) => row.msgId[0])).toEqual([2]);
    expect(refused).toEqual([{ id: 1, code: 'QUOTA_EXCEEDED' }]);
  });

  it('drops a waiting send of a connection that closed, and accepts nothing after stop', async () => {
    const { store, waiting } = slowLookups();
    const { path, router, accepted, refused, connect } = sendPathOn(store);
    const alice = connect(1, 'alice');
    path.take(alice, send(1, 'bob'));
    path.take(alice, send(2, 'bob'));
    await settle();
    path.forget(alice);
    router.close(alice);
    waiting.shift()?.();
    await settle();
    expect(waiting).toHaveLength(0); // the second send was never looked at
    const carol = connect(2, 'carol');
    path.take(carol, send(3, 'bob'));
    await settle();
    path.stop();
    waiting.shift()?.();
    await settle();
    expect(accepted).toEqual([]);
    expect(refused).toEqual([]);
  });
});
