import type { DeliveryContext } from './DeliveryContext.js';
import type { HandshakeLimiter } from '../limits/createHandshakeLimiter.js';
import type { RateLimiter } from '../limits/createRateLimiter.js';
import type { QuotaSettings } from '../mailbox/createMailboxQuotas.js';
import type { MailboxStore } from '../mailbox/createMailboxStore.js';
import type { Connection } from './createPushRouter.js';
import type { Fanout } from './Fanout.js';

/** What the transport calls for each device connection (PROTOCOL.md Part 2). */
export interface DeliveryService {
  open(conn: Connection): void;
  message(conn: Connection, data: Uint8Array, isBinary: boolean): void;
  /** The socket can take more (its buffer drained, or a batch was flushed): resume if held back. */
  drain(conn: Connection): void;
  close(conn: Connection): void;
  /**
   * Stops taking sends and timers, and resolves once the last group commit is done: await it
   * before closing the database.
   */
  stop(): Promise<void>;
}

export interface DeliveryLimits {
  /**
   * Envelopes a connected device may be behind (stored or pushed, and not acked) before sends to
   * it are refused with `SLOW_DOWN`: bounds the lag of a reader slower than its senders.
   */
  readonly maxDeviceLag: number;
  readonly quotas: QuotaSettings;
}

export interface DeliveryDeps {
  readonly ctx: DeliveryContext;
  readonly store: MailboxStore;
  readonly limits: DeliveryLimits;
  /** Envelopes per account and second (a send costs one per recipient device). */
  readonly sendLimiter: RateLimiter;
  /**
   * Bundle fetches per account: each one hands out a one-time prekey of every device fetched, so
   * an unlimited fetcher could use up someone's prekeys (their first messages would then lose
   * the one-time DH).
   */
  readonly bundleLimiter: RateLimiter;
  /** New first-message handshakes per sending account and recipient device (§1.5.7). */
  readonly handshakeLimiter: HandshakeLimiter;
  /** Any request frame per connection: a cap on the work one socket can ask for. */
  readonly frameLimiter: RateLimiter;
  /**
   * Rate-limit refusals per connection: a connection that runs this dry is not a client backing
   * off but a flood, and is closed.
   */
  readonly abuseLimiter: RateLimiter;
  /** Ack frames per connection that ack nothing pushed on it, before it is closed. */
  readonly emptyAckLimiter: RateLimiter;
  /** Closes the sockets of sessions ended here (device revoked). */
  readonly onSessionsEnded: (sessionIds: readonly string[]) => void;
  /** Told once per connection and minute that it was refused for rate, for the audit log. */
  readonly onRateLimited: (accountId: string, deviceId: string | null, what: string) => void;
  /**
   * An envelope was accepted for a device with no connection (push notifications): called once
   * per such envelope, with a check of whether the device is connected by the time it asks.
   */
  /**
   * Live delivery to and from other relays sharing the database; one relay alone
   * (createInProcessFanout) when not given.
   */
  readonly fanout?: Fanout;
  readonly onStoredForOffline?: (
    deviceId: string,
    senderAccountId: string,
    isConnected: () => boolean,
  ) => void;
}
