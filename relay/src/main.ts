import fs from 'node:fs';
import path from 'node:path';
import { labels } from '@vaultroom/shared/crypto';
import { LIMITS } from '@vaultroom/shared/protocol';
import type { AccountsContext } from './accounts/AccountsContext.js';
import { accountRoutes } from './accounts/accountRoutes.js';
import { createHandshakeLimiter } from './limits/createHandshakeLimiter.js';
import { createRateLimiter } from './limits/createRateLimiter.js';
import { FRONT_ALLOWANCE_FACTOR, withFrontAllowance } from './limits/withFrontAllowance.js';
import { describeUserAgent } from './accounts/describeUserAgent.js';
import { ensureFirstAdminInvite } from './accounts/invites.js';
import { readSessionToken } from './accounts/sessionCookie.js';
import {
  authenticateSession,
  requireAdmin,
  requireSession,
  sweepLiveSessions,
} from './accounts/sessions.js';
import { auditRoutes } from './audit/auditRoutes.js';
import { backfillKeyEntries } from './audit/backfillKeyEntries.js';
import { createClientTagger } from './audit/createClientTagger.js';
import { createRefusalCounter } from './audit/createRefusalCounter.js';
import { recordConfigChange } from './audit/recordConfigChange.js';
import { recordSecurityEvent, type SecurityEvent } from './audit/recordSecurityEvent.js';
import { ensureCertificates } from './certs/index.js';
import { allHostnames, allowsLocalhost, type RelayConfig } from './config/relayConfig.js';
import { startAuditLog } from './audit/startAuditLog.js';
import { openRelayStorage } from './lifecycle/openRelayStorage.js';
import { StartupError } from './lifecycle/StartupError.js';
import type { Logger } from './log/createLogger.js';
import { createDeliveryService } from './delivery/createDeliveryService.js';
import { startCluster } from './cluster/startCluster.js';
import { pushRoutes } from './push/pushRoutes.js';
import { startPushNotifications } from './push/startPushNotifications.js';
import { blobSettingsOf } from './blobs/blobSettingsOf.js';
import { startBlobStore } from './blobs/startBlobStore.js';
import { loadStaticAssets } from './static/loadStaticAssets.js';
import { startTransport, type Transport } from './transport/startTransport.js';
import { RELAY_VERSION } from './version.js';
import { createHealthReport } from './lifecycle/createHealthReport.js';

export { parseRelayConfig, type RelayConfig, type RawRelayConfig } from './config/relayConfig.js';
export { createLogger, type Logger } from './log/createLogger.js';

/** How often sockets are matched against their sessions' state in the database. */
const SESSION_SWEEP_MS = 5000;

export interface RunningRelay {
  readonly httpsPort: number;
  readonly httpPort: number | null;
  /** While no account exists: the one-time link that creates the first administrator. */
  readonly firstAdminInvite: string | null;
  /** Stops accepting, closes every connection, then the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Compressed copies of a web app built without them, kept in the data directory between starts. */
const PWA_CACHE_DIR = 'pwa-cache';

function loadPwa(pwaDir: string, dataDir: string) {
  if (!fs.existsSync(path.join(pwaDir, 'index.html'))) {
    throw new StartupError(
      'PWA_NOT_BUILT',
      `the PWA is not built (no index.html in ${pwaDir}): run "npm run build" first`,
    );
  }
  return loadStaticAssets(pwaDir, { cacheDir: path.join(dataDir, PWA_CACHE_DIR) });
}

/**
 * Composition root: configuration → TLS material → storage (SQLite, or PostgreSQL shared with other
 * relays) → audit log → services → transport. Everything that can fail
 * for an operator's reason fails here, before the relay accepts a single connection.
 */
export async function startRelay(config: RelayConfig, log: Logger): Promise<RunningRelay> {
  const assets = loadPwa(config.pwaDir, config.dataDir);
  const hostnames = allHostnames(config);

  let tls = config.tls;
  if (tls === null) {
    const certs = await ensureCertificates({ dataDir: config.dataDir, hostnames });
    if (certs.createdCa) {
      log.info(
        { caFile: certs.paths.caCert, caFingerprintSha256: certs.caFingerprintSha256 },
        'created a local certificate authority: import its certificate on your devices',
      );
    }
    if (certs.createdServer) {
      log.info({ notAfter: certs.serverNotAfter.toISOString() }, 'issued a server certificate');
    }
    tls = { certFile: certs.paths.serverCert, keyFile: certs.paths.serverKey };
  }

  const database = await openRelayStorage(config, log);
  const startedAt = Date.now();
  // A refusal here (another relay's audit log key) leaves no pool open behind it.
  const audit = await startAuditLog(database, config).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const { origin, reader: auditReader, key: auditKey, checkpointer } = audit;
  // Other relays on the same PostgreSQL, over NATS (VAULTROOM_NATS_URL); none without it.
  const cluster = await startCluster(config, log).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  await recordSecurityEvent(database.writes, {
    type: 'relay_started',
    outcome: 'success',
    details: { version: RELAY_VERSION },
  });
  await recordConfigChange(database.db, database.writes, config);
  const backfilled = await backfillKeyEntries(database.writes);
  if (backfilled > 0)
    log.info({ entries: backfilled }, 'logged key objects stored without a key entry');
  const health = createHealthReport(() => {
    database.probe();
  }, startedAt);

  // The port in the browser's address bar: configured, or the one actually bound (tests use 0).
  let boundPort = config.port;
  const portSuffix = () => {
    const port = config.publicPort ?? boundPort;
    return port === 443 ? '' : `:${port}`;
  };
  const allowedOrigins = () => [
    `https://${config.hostname}${portSuffix()}`,
    ...(allowsLocalhost(config) ? [`https://localhost${portSuffix()}`] : []),
  ];
  let transport: Transport | null = null;
  const push = config.push
    ? startPushNotifications(
        database,
        {
          dataDir: config.dataDir,
          hostname: config.hostname,
          intervalSeconds: config.pushIntervalSeconds,
          retentionDays: config.retentionDays,
          allowPrivate: config.pushAllowPrivate,
        },
        log,
      )
    : null;
  const sessionsEnded = (sessionIds: readonly string[]) => {
    transport?.closeSessions(sessionIds);
    push?.forgetSessions(sessionIds);
    cluster.sessionsEnded(sessionIds);
  };
  cluster.onSessionsEnded((sessionIds) => transport?.closeSessions(sessionIds));
  const ctx: AccountsContext = {
    db: database.db,
    writes: database.writes,
    settings: {
      rpName: 'VaultRoom',
      rpId: config.hostname,
      origins: allowedOrigins,
      publicOrigin: () => `https://${config.hostname}${portSuffix()}`,
      registrationMode: config.registration,
      sessionIdleMs: config.sessionIdleHours * 3_600_000,
      sessionMaxMs: config.sessionMaxDays * 86_400_000,
      challengeTtlMs: config.challengeTtlSeconds * 1000,
      retentionMs: config.retentionDays * 86_400_000,
    },
    now: () => new Date(),
    addressLimiter: withFrontAllowance(
      createRateLimiter({ burst: config.authRatePerMinute, perMinute: config.authRatePerMinute }),
      config.frontAddress,
      createRateLimiter({
        burst: config.authRatePerMinute * FRONT_ALLOWANCE_FACTOR,
        perMinute: config.authRatePerMinute * FRONT_ALLOWANCE_FACTOR,
      }),
    ),
    // Failed sign-ins per account: a third of the per-address allowance, at least one a minute.
    accountLimiter: createRateLimiter({
      burst: Math.max(1, Math.floor(config.authRatePerMinute / 3)),
      perMinute: Math.max(1, Math.floor(config.authRatePerMinute / 3)),
    }),
    onSessionsEnded: sessionsEnded,
    clientTag: await createClientTagger(database.db, database.writes),
    log,
  };
  const delivery = createDeliveryService({
    ctx: {
      db: database.db,
      writes: database.writes,
      settings: {
        retentionMs: config.retentionDays * 86_400_000,
        // PROTOCOL.md §1.4.4: the device uploads a batch below the low water mark, and the relay
        // keeps a superseded signed prekey as long as the device keeps its secret.
        lowPrekeyThreshold: labels.ONE_TIME_PREKEY_LOW_WATER,
        prekeyGraceMs: labels.SIGNED_PREKEY_GRACE_MS,
      },
      now: () => Date.now(),
      log,
      keyLog: { reader: auditReader, checkpointer, verifierKey: auditKey.verifierKey },
    },
    store: database.mailbox,
    fanout: cluster.fanout,
    limits: {
      maxDeviceLag: config.maxDeviceLag,
      quotas: {
        mailboxBytes: config.mailboxQuotaMb * 1024 * 1024,
        senderBytes: config.senderQuotaMb * 1024 * 1024,
      },
    },
    // Envelopes per account: generous for people, a wall for a runaway or hostile client.
    sendLimiter: createRateLimiter({
      burst: config.sendRatePerSecond * 2,
      perMinute: config.sendRatePerSecond * 60,
    }),
    bundleLimiter: createRateLimiter({ burst: 60, perMinute: 120 }),
    handshakeLimiter: createHandshakeLimiter({
      perWindow: LIMITS.handshakesPerDevicePerHour,
      windowMs: 60 * 60 * 1000,
    }),
    // Requests per connection, sends included (those are also limited per account above).
    frameLimiter: createRateLimiter({
      burst: Math.max(200, config.sendRatePerSecond * 2),
      perMinute: Math.max(6000, config.sendRatePerSecond * 60),
    }),
    // Refusals per connection before it is closed: an outbox resending a day's backlog at once
    // may earn hundreds, a flood earns thousands a second.
    abuseLimiter: createRateLimiter({ burst: 1000, perMinute: 6000 }),
    // Acks of nothing pushed: an honest client sends one now and then (a duplicate).
    emptyAckLimiter: createRateLimiter({ burst: 50, perMinute: 300 }),
    onRateLimited: (accountId, deviceId, what) => {
      void record({
        type: 'ratelimit_exceeded',
        outcome: 'failure',
        actorAccountId: accountId,
        actorDeviceId: deviceId,
        details: { what },
      });
    },
    onSessionsEnded: sessionsEnded,
    ...(push === null ? {} : { onStoredForOffline: push.storedForOffline }),
  });
  const blobs = startBlobStore(config.dataDir, {
    db: database.db,
    writes: database.writes,
    settings: blobSettingsOf(config),
    now: () => Date.now(),
    session: (cookie) => requireSession(ctx, cookie),
    allowedOrigins,
    log,
  });
  const record = (event: SecurityEvent): Promise<void> =>
    recordSecurityEvent(database.writes, event).then(
      () => undefined,
      (error: unknown) => {
        log.error({ err: error, type: event.type }, 'could not record a security event');
      },
    );
  // Anyone can cause refusals without signing in: they are counted, not logged one by one.
  const refusals = createRefusalCounter({ record });

  try {
    transport = await startTransport({
      tls,
      port: config.port,
      httpPort: config.httpPort,
      publicPort: config.publicPort,
      hostnames,
      assets,
      health,
      blobs: blobs.ctx,
      api: {
        routes: [
          ...accountRoutes(ctx),
          ...auditRoutes({
            db: database.db,
            caller: {
              session: (cookie) => requireSession(ctx, cookie),
              admin: (cookie) => requireAdmin(ctx, cookie),
            },
            reader: auditReader,
            origin,
            verifierKey: auditKey.verifierKey,
          }),
          ...pushRoutes({ accounts: ctx, push }),
        ],
        allowedOrigins,
        maxBodyBytes: 64 * 1024,
        log,
        onRefused: (request, error) => {
          if (error.code !== 'ORIGIN_REFUSED' && error.code !== 'RATE_LIMITED') return;
          refusals.refuse({
            type: error.code === 'ORIGIN_REFUSED' ? 'origin_refused' : 'ratelimit_exceeded',
            outcome: 'failure',
            client: ctx.clientTag(request.remoteAddress),
            userAgent: describeUserAgent(request.userAgent),
            details: { path: request.path },
          });
        },
      },
      sockets: {
        delivery,
        maxConnectionsPerAccount: config.maxConnectionsPerAccount,
        allowedOrigins,
        carriesSession: (cookie) => readSessionToken(cookie) !== null,
        authenticate: async (cookie) => authenticateSession(ctx, cookie),
        log,
        onRefused: (reason, remoteAddress) => {
          refusals.refuse({
            type:
              reason === 'origin'
                ? 'origin_refused'
                : reason === 'connections'
                  ? 'ratelimit_exceeded'
                  : 'session_upgrade_refused',
            outcome: 'failure',
            client: ctx.clientTag(remoteAddress),
            details: { reason },
          });
        },
      },
    });
  } catch (error) {
    blobs.stop();
    await cluster.stop();
    await database.close();
    throw error;
  }
  boundPort = transport.httpsPort;
  const firstAdminInvite = await ensureFirstAdminInvite(ctx);

  // Sessions can end outside this process (the vaultroom CLI) or expire while a socket is open:
  // a periodic sweep closes those sockets too.
  const live = transport;
  const sweep = setInterval(() => {
    sweepLiveSessions(ctx, live.connectedSessionIds()).then(
      (over) => {
        live.closeSessions(over);
      },
      (error: unknown) => {
        log.error({ err: error }, 'session sweep failed');
      },
    );
  }, SESSION_SWEEP_MS);
  sweep.unref();
  const checkpoints = setInterval(() => {
    checkpointer.maybeCheckpoint().catch((error: unknown) => {
      log.error({ err: error }, 'could not sign an audit checkpoint');
    });
  }, 1000);
  checkpoints.unref();

  let closing: Promise<void> | null = null;
  return {
    httpsPort: transport.httpsPort,
    httpPort: transport.httpPort,
    firstAdminInvite,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        clearInterval(checkpoints);
        transport.stop();
        blobs.stop();
        // The last group commit lands before the database closes.
        await delivery.stop();
        // After the last commit: its wake-ups go out, then this relay says goodbye.
        await cluster.stop();
        push?.stop();
        await refusals.close();
        await recordSecurityEvent(database.writes, { type: 'relay_stopped', outcome: 'success' });
        // A final checkpoint covers everything logged, the stop included.
        await checkpointer.maybeCheckpoint(true);
        await database.close();
      })();
      return closing;
    },
  };
}
