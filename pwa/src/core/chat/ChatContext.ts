import type { AccountKeyPair, IdentityKeyPair, Sodium } from '@vaultroom/shared/crypto';
import { ChatError } from './ChatError.js';
import { createMemoryLocalFiles, type LocalFiles } from '../files/LocalFiles.js';
import type { Fetch } from '../files/tusRequests.js';
import type {
  AccountKeySecret,
  DescribePicture,
  ChatEngineOptions,
  ChatEvent,
  ChatIssue,
  ChatTransport,
  OwnTrustState,
} from './ChatEngine.js';
import { handleKey, type DeviceRecord } from './chatRecords.js';
import { createChatRepository, type ChatRepository } from './createChatRepository.js';
import { createSerialQueue, type SerialQueue } from './createSerialQueue.js';
import { createWriteBuffer, type WriteBuffer } from './createWriteBuffer.js';
import { createHandshakeBudget, type HandshakeBudget } from './handshakeBudget.js';

/**
 * The chat engine's shared state, made explicit: the store, the clock, this account and device,
 * the connection, and where events and issues go. Every operation of the engine is a free
 * function that takes it as its first argument, as libsignal's operations take their stores.
 */
export interface ChatContext {
  readonly sodium: Sodium;
  readonly repo: ChatRepository;
  readonly now: () => number;
  /** The signed-in account's handle as its owner spells it. */
  readonly handle: string;
  /** The same, as a handle key. */
  readonly me: string;
  /** The name this device registers under. */
  readonly deviceName: string;
  /**
   * Runs an operation after every one queued before it (`createSerialQueue`): every write does.
   * What the operation writes is held (`createWriteBuffer`) and committed in one transaction
   * when it ends, or earlier by `commit`; its events are told once what they show is stored.
   */
  readonly serial: SerialQueue;
  readonly buffer: WriteBuffer;
  readonly listeners: Set<(event: ChatEvent) => void>;
  /** Events of the running operation, told at its next commit. */
  readonly heldEvents: ChatEvent[];
  /** Whether an operation of the serial queue is running. */
  inOperation: boolean;
  readonly report: (issue: ChatIssue) => void;
  /** Set by `start`, cleared by `stop`. */
  transport: ChatTransport | null;
  device: DeviceRecord | null;
  identity: IdentityKeyPair | null;
  /** The last time handed out by `stamp`. */
  lastStamp: number;
  /** The relay's id of this account (the sealed account key's binding). */
  readonly accountId: string;
  readonly accountKeySecret: () => Promise<AccountKeySecret | null>;
  readonly verifyUser: (() => Promise<void>) | null;
  /** This account's account key, once this device holds it (§1.15.1). */
  accountKey: AccountKeyPair | null;
  ownTrust: OwnTrustState;
  /** Failed first messages per sending account, so forged ones cannot make endless work. */
  readonly handshakes: HandshakeBudget;
  readonly files: LocalFiles;
  readonly fetch: Fetch;
  readonly describePicture: DescribePicture | null;
  readonly sleep: (ms: number) => Promise<void>;
  /** The last checkpoint compared from each contact's device, and when (checkpointGossip.ts). */
  readonly checkpointsCompared: Map<string, { readonly note: string; readonly at: number }>;
  /** The log key the invite link pinned (base64url), or null: trusted on first use. */
  readonly pinnedLogKey: string | null;
  /** Uploads and downloads under way, by message id: run beside the serial queue. */
  readonly transfers: Map<
    string,
    { readonly abort: AbortController; readonly done: Promise<void> }
  >;
}

export function createChatContext(options: ChatEngineOptions): ChatContext {
  const buffer = createWriteBuffer(options.store);
  const queue = createSerialQueue();
  const operation = <T>(task: () => Promise<T>): Promise<T> =>
    queue(async () => {
      ctx.inOperation = true;
      try {
        // Committed whether it succeeds or fails part-way, as each write was before batching:
        // what it stored before the failure stays stored.
        try {
          return await task();
        } finally {
          await commit(ctx);
        }
      } finally {
        ctx.inOperation = false;
      }
    });
  const ctx: ChatContext = {
    sodium: options.sodium,
    repo: createChatRepository(buffer.store),
    now: options.now,
    handle: options.handle,
    me: handleKey(options.handle),
    deviceName: options.deviceName,
    serial: Object.assign(operation, { whenIdle: () => queue.whenIdle() }),
    buffer,
    listeners: new Set(),
    heldEvents: [],
    inOperation: false,
    report: (issue) => options.onIssue?.(issue),
    transport: null,
    device: null,
    identity: null,
    lastStamp: 0,
    accountId: options.accountId,
    accountKeySecret: options.accountKeySecret ?? (() => Promise.resolve(null)),
    verifyUser: options.verifyUser ?? null,
    accountKey: null,
    ownTrust: 'unknown',
    handshakes: createHandshakeBudget(),
    files: options.files ?? createMemoryLocalFiles(),
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    describePicture: options.describePicture ?? null,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    pinnedLogKey: options.pinnedLogKey ?? null,
    checkpointsCompared: new Map(),
    transfers: new Map(),
  };
  return ctx;
}

/**
 * Writes what the running operation wrote so far in one transaction, then tells its events.
 * Called when an operation ends, and before anything it made leaves the device (the outbox).
 */
export async function commit(ctx: ChatContext): Promise<void> {
  const events = ctx.heldEvents.splice(0);
  await ctx.buffer.flush();
  for (const event of events) tell(ctx, event);
}

/**
 * A time for a sort key. Sort keys strictly increase on this device, so messages seen in one
 * millisecond keep the order they were seen in.
 */
export function stamp(ctx: ChatContext, at: number = ctx.now()): number {
  ctx.lastStamp = Math.max(at, ctx.lastStamp + 1);
  return ctx.lastStamp;
}

/**
 * Tells listeners, once what the event shows is stored (Hydrogen's rule): an operation's events
 * wait for its commit. The connection's news describes no record: it is told at once.
 */
export function emit(ctx: ChatContext, event: ChatEvent): void {
  const aboutRecords =
    event.kind !== 'connection' &&
    event.kind !== 'caught-up' &&
    event.kind !== 'trust' &&
    event.kind !== 'devices-waiting' &&
    event.kind !== 'log-alert' &&
    event.kind !== 'transfer';
  if (ctx.inOperation && aboutRecords) ctx.heldEvents.push(event);
  else tell(ctx, event);
}

function tell(ctx: ChatContext, event: ChatEvent): void {
  for (const listener of ctx.listeners) listener(event);
}

/** Runs a task nobody waits for; its failure becomes an issue. */
export function background(ctx: ChatContext, task: string, run: () => Promise<unknown>): void {
  run().catch((error: unknown) => {
    ctx.report({ kind: 'task-failed', task, error });
  });
}

export const connected = (ctx: ChatContext): boolean => ctx.transport?.state === 'connected';

export function requireTransport(ctx: ChatContext): ChatTransport {
  if (ctx.transport === null || ctx.identity === null) throw new ChatError('NOT_STARTED');
  return ctx.transport;
}

export function requireIdentity(ctx: ChatContext): IdentityKeyPair {
  if (ctx.identity === null) throw new ChatError('NOT_STARTED');
  return ctx.identity;
}
