import type { ClientRequest, ServerFrame } from '../protocol/index.js';
import type { BackoffOptions } from './backoffDelay.js';
import type { Clock } from './Clock.js';
import type { ConnectionState } from './ConnectionState.js';
import type { DeliveryErrorCode } from './DeliveryError.js';
import type { DeliveryIssue } from './DeliveryIssue.js';
import type { OutboxRecipient, OutboxStore } from './OutboxStore.js';
import type { SocketFactory } from './SocketPort.js';

type Payload<F> = Omit<F, 't' | 'id'>;
type FrameOf<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;
type RequestOf<T extends ClientRequest['t']> = Extract<ClientRequest, { t: T }>;

export type PublicIdentity = RequestOf<'register-device'>['identity'];
export type PrekeyUpload = Payload<RequestOf<'upload-prekeys'>>;
export type DeviceRegistered = Payload<FrameOf<'device-registered'>>;
export type PrekeysStored = Payload<FrameOf<'prekeys-stored'>>;
export type Bundles = Payload<FrameOf<'bundles'>>;
export type Devices = Payload<FrameOf<'devices'>>;
export type DeviceOwners = Payload<FrameOf<'device-owners'>>;
/** An account's trust objects as the relay serves them (§2.9): to verify, never to believe. */
export type AccountTrust = Payload<FrameOf<'trust'>>;
export type TrustUpload = Payload<RequestOf<'publish-trust'>>;
export type SealedKey = Payload<FrameOf<'sealed-key'>>;
/** Key entries with inclusion proofs, and the checkpoint they are proven against (§2.11). */
export type KeyProofs = Payload<FrameOf<'key-proofs'>>;
/** Leaves of the log after a size, with the edge at that size (§2.11). */
export type LogLeaves = Payload<FrameOf<'log-leaves'>>;
/** One envelope of a `deliver` frame (§2.5). */
export type Envelope = FrameOf<'deliver'>['envelopes'][number];

/**
 * `queued`: persisted, waiting for a connection or a retry. `sending`: on the wire, no answer yet.
 * `sent`: the relay holds it durably (§2.6), the outbox forgot it. `failed`: refused for good
 * with `code`; the outbox forgot it too. A transient refusal goes back to `queued` with its `code`.
 */
export type SendState = 'queued' | 'sending' | 'sent' | 'failed';

export interface SendUpdate {
  readonly msg: Uint8Array;
  readonly state: SendState;
  /** Why it went back to `queued`, or why it `failed`. */
  readonly code?: DeliveryErrorCode;
}

export interface DeliveryClientOptions {
  /** The relay's WebSocket address (`wss://<relay>/ws`). */
  readonly url: string;
  readonly connect: SocketFactory;
  readonly clock: Clock;
  /** Uniform in [0, 1): only for backoff jitter. */
  readonly random: () => number;
  /** Cryptographically random bytes: for client message ids. */
  readonly randomBytes: (length: number) => Uint8Array;
  /** This browser's registered device, named in `hello`; null before registration. */
  readonly device: string | null;
  /**
   * Stores one delivered envelope. The client acks it only once this resolves (§2.6); a
   * rejection leaves it unacked for the relay to deliver again, so handlers must tolerate seeing
   * an envelope twice (a lost ack looks the same) and dedupe by `from` and `msg`.
   */
  readonly onEnvelope: (envelope: Envelope) => Promise<void>;
  /** The relay has pushed everything it held, and every earlier envelope was handled. */
  readonly onQueueEmpty?: () => void;
  readonly onPrekeysLow?: (remaining: number) => void;
  /** The relay says this account's (handle's) trust objects changed: fetch and verify them. */
  readonly onTrustChanged?: (account: string) => void;
  readonly onIssue?: (issue: DeliveryIssue) => void;
  /** Defaults to an in-memory store: sends survive reconnects but not restarts. */
  readonly outbox?: OutboxStore;
  /** How long a request (or the hello) waits for its reply. Default 15 s. */
  readonly requestTimeoutMs?: number;
  /** Reconnect and send-retry backoff. Default 500 ms doubling to 30 s. */
  readonly backoff?: BackoffOptions;
}

export interface DeliveryClient {
  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
  /** The device the relay welcomed this connection as (null before registration). */
  readonly device: string | null;

  registerDevice(name: string, identity: PublicIdentity): Promise<DeviceRegistered>;
  uploadPrekeys(prekeys: PrekeyUpload): Promise<PrekeysStored>;
  /** The prekey bundles of every device of the account with this handle. */
  fetchBundles(account: string): Promise<Bundles>;
  listDevices(): Promise<Devices>;
  /** The account (handle) each of these devices belongs to, as far as the relay knows. */
  lookupDevices(devices: readonly string[]): Promise<DeviceOwners>;
  renameDevice(device: string, name: string): Promise<void>;
  revokeDevice(device: string): Promise<void>;
  /** Publishes a newer signed device list (and the account key, certificates) (§2.9). */
  publishTrust(upload: TrustUpload): Promise<void>;
  /** The account key, signed device list and certificates the relay holds for a handle. */
  fetchTrust(account: string): Promise<AccountTrust>;
  /** Stores the account key sealed under a passkey's PRF output (§1.15.5). */
  storeSealedKey(credential: string, sealed: Uint8Array): Promise<void>;
  /** The sealed account key of the passkey this session signed in with, if any. */
  fetchSealedKey(): Promise<SealedKey>;
  /** Proofs that objects (SHA-256 of their bytes) are logged, consistent from size `from`. */
  proveKeys(objects: readonly Uint8Array[], from: number): Promise<KeyProofs>;
  /** Up to `limit` leaves after size `from`, to the newest checkpoint (§2.11). */
  fetchLog(from: number, limit: number): Promise<LogLeaves>;
  ping(): Promise<void>;

  /**
   * Puts a message in the outbox and resolves with its message id once persisted; delivery
   * continues in the background (`subscribeSends`, `sendState`). Rejects with `INVALID_MESSAGE`,
   * `TOO_MANY_RECIPIENTS`, `ENVELOPE_TOO_LARGE` or `FRAME_TOO_LARGE` for a send the relay would
   * refuse anyway, `OUTBOX_STORE_FAILED`, or `CLOSED`/`SIGNED_OUT`/`UNSUPPORTED_VERSION`.
   * Sending again with an id already in the outbox changes nothing.
   */
  send(to: readonly OutboxRecipient[], msg?: Uint8Array): Promise<Uint8Array>;
  /** `queued` or `sending` while in the outbox; undefined once it left (see `subscribeSends`). */
  sendState(msg: Uint8Array): SendState | undefined;
  subscribeSends(listener: (update: SendUpdate) => void): () => void;

  /**
   * Tries at once when waiting out the reconnect backoff, and starts the backoff over: for when
   * the device reports it is back online, or the app comes to the foreground. Does nothing while
   * connected, while an attempt is under way, or once terminal.
   */
  reconnectNow(): void;

  /** Ends the connection for good; pending requests reject with `CLOSED`. The outbox is kept. */
  close(): void;
}
