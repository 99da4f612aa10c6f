import type { Kysely } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';
import type { Logger } from '../log/createLogger.js';
import { createRateLimiter, type RateLimiter } from '../limits/createRateLimiter.js';
import { createPushNotifier, type PushNotifier } from './createPushNotifier.js';
import { deleteStaleSubscriptions, deleteSubscriptionsOfSessions } from './pushSubscriptions.js';
import { loadOrCreateVapidKeys } from './vapidKeys.js';

/** How often subscriptions of sessions that ended elsewhere are removed, and idle state dropped. */
const SWEEP_MS = 60_000;

export interface PushSettings {
  readonly dataDir: string;
  readonly hostname: string;
  readonly intervalSeconds: number;
  readonly retentionDays: number;
  readonly allowPrivate: boolean;
}

export interface PushNotifications {
  readonly notifier: PushNotifier;
  readonly publicKey: string;
  readonly allowPrivate: boolean;
  readonly limiter: RateLimiter;
  /** The delivery service's hook: an envelope was stored for a device with no connection. */
  readonly storedForOffline: PushNotifier['storedForOffline'];
  /** Sessions ended (sign-out, revocation): their devices' subscriptions go with them. */
  forgetSessions(sessionIds: readonly string[]): void;
  stop(): void;
}

/** Web Push for devices that are offline: keys, the coalescing notifier, and its upkeep. */
export function startPushNotifications(
  { db, writes }: { readonly db: Kysely<RelayDatabase>; readonly writes: WriteStore },
  settings: PushSettings,
  log: Logger,
): PushNotifications {
  const vapid = loadOrCreateVapidKeys(settings.dataDir);
  const notifier = createPushNotifier({
    db,
    writes,
    log,
    now: () => Date.now(),
    vapid,
    subject: `https://${settings.hostname}`,
    intervalMs: settings.intervalSeconds * 1000,
    ttlSeconds: settings.retentionDays * 86_400,
    allowPrivate: settings.allowPrivate,
  });
  const sweep = setInterval(() => {
    notifier.sweep();
    deleteStaleSubscriptions(writes).catch((error: unknown) => {
      log.error({ err: error }, 'could not remove ended push subscriptions');
    });
  }, SWEEP_MS);
  sweep.unref();
  return {
    notifier,
    publicKey: vapid.publicKey,
    storedForOffline: (deviceId, senderAccountId, isConnected) => {
      notifier.storedForOffline(deviceId, senderAccountId, isConnected);
    },
    allowPrivate: settings.allowPrivate,
    limiter: createRateLimiter({ burst: 30, perMinute: 30 }),
    forgetSessions(sessionIds) {
      deleteSubscriptionsOfSessions(writes, sessionIds).catch((error: unknown) => {
        log.error({ err: error }, 'could not remove push subscriptions of ended sessions');
      });
    },
    stop() {
      clearInterval(sweep);
      notifier.stop();
    },
  };
}
