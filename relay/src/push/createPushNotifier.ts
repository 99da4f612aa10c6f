import type { Kysely } from 'kysely';
import webpush from 'web-push';
import type { RelayDatabase } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';
import type { Logger } from '../log/createLogger.js';
import { PushError } from './PushError.js';
import { postPushMessage, type PushRequest, type PushResponse } from './postPushMessage.js';
import {
  deleteGoneSubscription,
  findLiveSubscription,
  handleOf,
  type PushSubscriptionRecord,
} from './pushSubscriptions.js';
import {
  resolvePushEndpoint,
  type EndpointRules,
  type ResolvedPushEndpoint,
} from './resolvePushEndpoint.js';
import type { VapidKeys } from './vapidKeys.js';

/**
 * The plaintext of every push is padded to this many bytes before RFC 8291 encryption, so the
 * size the push service sees is the same whether or not it names a sender, and whichever.
 */
export const PUSH_PAYLOAD_BYTES = 96;
/**
 * The longest TTL sent: four weeks, the most Google's push service (FCM) accepts; Mozilla caps at
 * it too for FCM-backed devices. A longer retention is asked for as this.
 */
export const MAX_PUSH_TTL_SECONDS = 28 * 86_400;
/** Senders counted apart per device between two pushes; more are counted together. */
const MAX_SENDERS_TRACKED = 16;

export interface PushNotifierDeps {
  readonly db: Kysely<RelayDatabase>;
  readonly writes: WriteStore;
  readonly log: Logger;
  readonly now: () => number;
  readonly vapid: VapidKeys;
  /** The VAPID `sub` claim (RFC 8292 §2.1): how a push service can reach the operator. */
  readonly subject: string;
  /** At most one push per device in this long. */
  readonly intervalMs: number;
  /**
   * The push's TTL (RFC 8030 §5.2): the retention, after which the envelopes are gone anyway,
   * at most `MAX_PUSH_TTL_SECONDS`.
   */
  readonly ttlSeconds: number;
  readonly allowPrivate: boolean;
  /** Resolves endpoint host names; `dns.lookup` unless replaced. */
  readonly lookup?: EndpointRules['lookup'];
  /** Sends one request; the real one unless replaced. */
  readonly post?: (endpoint: ResolvedPushEndpoint, request: PushRequest) => Promise<PushResponse>;
}

export interface PushNotifier {
  /**
   * An envelope was stored for a device with no connection (the delivery service's hook);
   * `isConnected` tells, when the push is due, whether the device connected meanwhile.
   */
  storedForOffline(deviceId: string, senderAccountId: string, isConnected: () => boolean): void;
  /** The device subscribed or unsubscribed: forget what was known of it. */
  subscriptionChanged(deviceId: string): void;
  /** Forgets idle devices; call now and then. */
  sweep(): void;
  stop(): void;
}

/** What the notifier keeps per device between pushes. */
interface DeviceState {
  /** Envelopes since the last push, per sending account ('' for those past the tracking cap). */
  readonly pending: Map<string, number>;
  lastSentAt: number;
  timer: NodeJS.Timeout | null;
  sending: boolean;
  /** The device had no live subscription when last looked up: nothing to count. */
  unsubscribed: boolean;
  isConnected: () => boolean;
}

/** The decrypted push (PROTOCOL.md, Push): a count and, if the person allows, the sender. */
export interface PushPayload {
  readonly count: number;
  readonly from?: string;
}

export function encodePushPayload(payload: PushPayload): Buffer {
  const json = JSON.stringify(payload);
  // JSON allows trailing white space: the app parses the padded text as it is.
  return Buffer.from(json.padEnd(PUSH_PAYLOAD_BYTES, ' '), 'utf8');
}

/**
 * Sends Web Push messages to devices that are offline when an envelope is stored for them,
 * coalesced: the first envelope after a quiet interval is pushed at once, later ones are counted
 * and pushed together when the interval is over, and nothing goes to a device that is connected
 * by then. The payload holds a count and at most one sender's handle, never content, encrypted to
 * the browser (RFC 8291) and signed with the relay's VAPID key (RFC 8292) by `web-push`.
 */
export function createPushNotifier(deps: PushNotifierDeps): PushNotifier {
  const states = new Map<string, DeviceState>();
  const post = deps.post ?? postPushMessage;
  let stopped = false;
  // Read through a call: `stopped` changes while a push awaits, which narrowing cannot see.
  const isStopped = () => stopped;

  function stateOf(deviceId: string): DeviceState {
    let state = states.get(deviceId);
    if (state === undefined) {
      state = {
        pending: new Map(),
        lastSentAt: 0,
        timer: null,
        sending: false,
        unsubscribed: false,
        isConnected: () => false,
      };
      states.set(deviceId, state);
    }
    return state;
  }

  function schedule(deviceId: string, state: DeviceState): void {
    if (stopped || state.timer !== null || state.sending || state.pending.size === 0) return;
    const wait = Math.max(0, state.lastSentAt + deps.intervalMs - deps.now());
    // Even at no wait, a timer: the envelopes of one send (and one turn) make a single push.
    state.timer = setTimeout(() => {
      state.timer = null;
      void flush(deviceId, state);
    }, wait);
    state.timer.unref();
  }

  async function flush(deviceId: string, state: DeviceState): Promise<void> {
    if (stopped) return;
    const pending = new Map(state.pending);
    state.pending.clear();
    if (state.isConnected()) return;
    state.sending = true;
    try {
      const subscription = await findLiveSubscription(deps.db, deviceId);
      if (subscription === null) {
        state.unsubscribed = true;
        return;
      }
      // Envelopes from the account's own devices (copies, read marks) are no news to announce.
      pending.delete(subscription.accountId);
      let count = 0;
      for (const n of pending.values()) count += n;
      if (count === 0) return;
      state.lastSentAt = deps.now();
      const senders = [...pending.keys()];
      const only = senders.length === 1 && senders[0] !== '' ? senders[0] : undefined;
      const from =
        subscription.showSender && only !== undefined ? await handleOf(deps.db, only) : null;
      await send(subscription, from === null ? { count } : { count, from });
    } catch (error) {
      // Once stopped, the database may be closed under a push in flight: nothing to report.
      if (!isStopped()) deps.log.error({ err: error }, 'could not send a push');
    } finally {
      state.sending = false;
      schedule(deviceId, state);
    }
  }

  async function send(subscription: PushSubscriptionRecord, payload: PushPayload): Promise<void> {
    let host = '';
    try {
      const endpoint = await resolvePushEndpoint(subscription.endpoint, {
        allowPrivate: deps.allowPrivate,
        ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
      });
      host = endpoint.url.host;
      const details = webpush.generateRequestDetails(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
        encodePushPayload(payload),
        {
          vapidDetails: {
            subject: deps.subject,
            publicKey: deps.vapid.publicKey,
            privateKey: deps.vapid.privateKey,
          },
          TTL: Math.min(deps.ttlSeconds, MAX_PUSH_TTL_SECONDS),
          urgency: 'normal',
          // One topic: a push still waiting at the push service is replaced by the newer one.
          topic: 'messages',
          contentEncoding: 'aes128gcm',
        },
      );
      const response = await post(endpoint, {
        headers: details.headers,
        body: details.body,
      });
      if (response.status >= 200 && response.status < 300) {
        deps.log.debug({ host, status: response.status }, 'push sent');
        return;
      }
      if (response.status === 404 || response.status === 410) {
        // RFC 8030 §7.3: the subscription expired or was withdrawn; it will not come back.
        await deleteGoneSubscription(deps.writes, subscription.deviceId, subscription.endpoint);
        stateOf(subscription.deviceId).unsubscribed = true;
        deps.log.info({ host, status: response.status }, 'push subscription gone: removed');
        return;
      }
      deps.log.warn({ host, status: response.status }, 'the push service refused a push');
    } catch (error) {
      // The endpoint URL is a bearer capability for that device: it is never logged, its host is.
      if (error instanceof PushError) {
        deps.log.warn({ host, code: error.code }, 'could not send a push');
        return;
      }
      throw error;
    }
  }

  return {
    storedForOffline(deviceId, senderAccountId, isConnected) {
      if (stopped) return;
      const state = stateOf(deviceId);
      if (state.unsubscribed) return;
      state.isConnected = isConnected;
      const key =
        state.pending.has(senderAccountId) || state.pending.size < MAX_SENDERS_TRACKED
          ? senderAccountId
          : '';
      state.pending.set(key, (state.pending.get(key) ?? 0) + 1);
      schedule(deviceId, state);
    },
    subscriptionChanged(deviceId) {
      const state = states.get(deviceId);
      if (state !== undefined) state.unsubscribed = false;
    },
    sweep() {
      const now = deps.now();
      for (const [deviceId, state] of states) {
        const idle = state.timer === null && !state.sending && state.pending.size === 0;
        if (idle && now - state.lastSentAt >= deps.intervalMs) states.delete(deviceId);
      }
    },
    stop() {
      stopped = true;
      for (const state of states.values()) {
        if (state.timer !== null) clearTimeout(state.timer);
      }
      states.clear();
    },
  };
}
