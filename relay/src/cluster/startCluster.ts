import { connect, type ConnectionOptions } from '@nats-io/transport-node';
import { createInProcessFanout } from '../delivery/Fanout.js';
import { ConfigError } from '../config/ConfigError.js';
import { NATS_NEEDS_POSTGRES } from '../config/parseNatsUrl.js';
import type { RelayConfig } from '../config/relayConfig.js';
import { StartupError } from '../lifecycle/StartupError.js';
import type { Logger } from '../log/createLogger.js';
import { createNatsCluster, type Cluster } from './createNatsCluster.js';

export type { Cluster } from './createNatsCluster.js';

/** How long the first connection may take before the relay refuses to start (ms). */
const CONNECT_TIMEOUT_MS = 5000;
/** Between attempts to reach the bus again after losing it (ms): a cut costs about this much. */
const RECONNECT_WAIT_MS = 500;

/**
 * The connection options for a NATS URL. The client takes credentials as options, not in the
 * URL, so they are moved there: `user:password@` or a `token@`. The URL itself is never logged.
 */
export function natsConnectionOptions(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const credentials =
    parsed.password !== ''
      ? {
          user: decodeURIComponent(parsed.username),
          pass: decodeURIComponent(parsed.password),
        }
      : parsed.username !== ''
        ? { token: decodeURIComponent(parsed.username) }
        : {};
  return {
    servers: `${parsed.protocol}//${parsed.host}`,
    ...credentials,
    name: 'vaultroom-relay',
    // A relay never hears its own messages: it acted on them already.
    noEcho: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    timeout: CONNECT_TIMEOUT_MS,
  };
}

/** One relay alone: the in-process fan-out, and nobody else to tell. */
function singleRelay(): Cluster {
  return {
    fanout: createInProcessFanout(),
    sessionsEnded: () => undefined,
    onSessionsEnded: () => undefined,
    stop: () => Promise.resolve(),
  };
}

/**
 * Joins the other relays of the deployment over NATS when VAULTROOM_NATS_URL is set. Relays share
 * their envelopes through the database, so NATS without PostgreSQL is refused; and a bus that
 * cannot be reached at start is most likely a wrong URL, so that stops the start too (once
 * joined, a relay rides out the bus being away).
 */
export async function startCluster(
  config: Pick<RelayConfig, 'natsUrl' | 'databaseUrl'>,
  log: Logger,
): Promise<Cluster> {
  if (config.natsUrl === null) return singleRelay();
  // parseRelayConfig refuses this already; a caller that built its config otherwise is refused too.
  if (config.databaseUrl === null) throw new ConfigError(NATS_NEEDS_POSTGRES);
  const options = natsConnectionOptions(config.natsUrl);
  try {
    const nc = await connect(options);
    log.info({ server: nc.getServer() }, 'joined the other relays over NATS');
    return createNatsCluster(nc, { log });
  } catch (error) {
    throw new StartupError(
      'NATS_UNREACHABLE',
      `could not reach NATS at ${String(options.servers)}: check VAULTROOM_NATS_URL and that nats-server runs`,
      { cause: error },
    );
  }
}
