import type { ClientRequest, ServerFrame } from '../protocol/index.js';
import type { DeliveryError } from './DeliveryError.js';

/** Which reply answers which request (PROTOCOL.md §2.4); `error` may answer any. */
export const REPLY = {
  'register-device': 'device-registered',
  'upload-prekeys': 'prekeys-stored',
  'fetch-bundles': 'bundles',
  'list-devices': 'devices',
  'lookup-devices': 'device-owners',
  'rename-device': 'done',
  'revoke-device': 'done',
  'publish-trust': 'done',
  'fetch-trust': 'trust',
  'store-sealed-key': 'done',
  'fetch-sealed-key': 'sealed-key',
  'prove-keys': 'key-proofs',
  'fetch-log': 'log-leaves',
  ping: 'done',
  send: 'sent',
} as const satisfies Record<ClientRequest['t'], ServerFrame['t']>;

/** A request that is answered by one reply (every one but `send`, which the outbox carries). */
export type RequestType = Exclude<ClientRequest['t'], 'send'>;
export type ReplyOf<T extends RequestType> = Extract<ServerFrame, { t: (typeof REPLY)[T] }>;

/** Sends one request on the connection and resolves with its reply (or a coded refusal). */
export type SendRequest = <T extends RequestType>(
  type: T,
  build: (id: number) => Extract<ClientRequest, { t: T }>,
) => Promise<ReplyOf<T>>;

export type ReplyFrame = Extract<ServerFrame, { t: (typeof REPLY)[ClientRequest['t']] | 'error' }>;

/**
 * The reply frame, or the client's reason there is none (`TIMEOUT`, `DISCONNECTED`, `CLOSED`,
 * `SIGNED_OUT`, `UNSUPPORTED_VERSION`). Exactly one per request.
 */
export type RequestOutcome = ReplyFrame | DeliveryError;

/** A request as the connection layer carries it: built once its id is known. */
export interface WireRequest {
  readonly build: (id: number) => ClientRequest;
  readonly onOutcome: (outcome: RequestOutcome) => void;
}

/** What the outbox needs from the connection. */
export interface RequestWire {
  /** True when a welcomed connection is up and `send` would put the request on it. */
  ready(): boolean;
  /** Sends on the welcomed connection; false (and nothing sent) when there is none. */
  send(request: WireRequest): boolean;
}
