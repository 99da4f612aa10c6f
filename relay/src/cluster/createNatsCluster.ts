import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Fanout, FanoutListener } from '../delivery/Fanout.js';
import type { Logger } from '../log/createLogger.js';
import {
  CLUSTER_SUBJECT,
  chunkIds,
  decodeClusterMessage,
  encodeClusterMessage,
  type ClusterMessage,
} from './clusterMessages.js';
import { createPresenceMap } from './createPresenceMap.js';

/** What the rest of the relay sees of the other relays sharing its database. */
export interface Cluster {
  readonly fanout: Fanout;
  /** Sessions ended on this relay: their sockets close on the others too. */
  sessionsEnded(sessionIds: readonly string[]): void;
  /** What this relay does when another one ended sessions (close their sockets here). */
  onSessionsEnded(handler: (sessionIds: readonly string[]) => void): void;
  /** Says goodbye, stops the timers and closes the connection to the bus. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  readonly log: Logger;
  readonly now?: () => number;
  /** How often every connected device's mailbox is read again from its start (ms). */
  readonly sweepMs?: number;
  /** How often this node repeats which devices it holds (ms); entries live 3.5 times that. */
  readonly heartbeatMs?: number;
}

const SWEEP_MS = 30_000;
const HEARTBEAT_MS = 10_000;
/** A malformed message is logged at most this often (ms): the bus is not a place to flood logs. */
const MALFORMED_LOG_MS = 60_000;
/** How long a stop waits for the last messages to leave before it closes anyway (ms). */
const STOP_FLUSH_MS = 1000;

/**
 * Relays sharing one PostgreSQL database, connected by NATS (issue #21). Each relay subscribes
 * once, to one subject, whatever its number of clients (no broker subscription per client, as
 * uWS's author advises), and every message goes to every relay.
 *
 * Wake-ups are broadcast ("device X has new mail") rather than routed by a device → node map:
 * a map learnt over an at-most-once bus can be late, and a device that connected to node 2 a
 * moment before node 1 commits its envelope would wait for the sweep. Broadcast has no such
 * race: a node attaches a device before it reads its mailbox, and a wake-up is published only
 * after the commit, so it finds the device attached, or the read found the envelope. It costs one
 * message per group commit per node, each a set lookup per device: small for a handful of relays
 * behind one load balancer.
 *
 * NATS is at most once, and two relays' commits may become visible out of their `seq` order, so
 * a relay also reads every connected device's mailbox from its start on reconnecting to the bus
 * and every `sweepMs`: losing NATS costs latency, never an envelope.
 */
export function createNatsCluster(nc: NatsConnection, options: NatsClusterOptions): Cluster {
  const { log } = options;
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const node = randomBytes(9).toString('base64url');
  const presence = createPresenceMap({ ttlMs: heartbeatMs * 3.5, now });
  /** Set by the delivery service; held in an object since callbacks read it long after. */
  const hooks: { listener: FanoutListener | null } = { listener: null };
  let sessionsHandler: (sessionIds: readonly string[]) => void = () => undefined;
  /** Presence changes of this loop turn, sent together: device → connected. */
  const presenceChanges = new Map<string, boolean>();
  let malformedLoggedAt = -Infinity;
  let stopped = false;

  function publish(message: ClusterMessage): void {
    if (stopped || nc.isClosed()) return;
    try {
      // While disconnected the client buffers this; lost or not, the catch-up covers it.
      nc.publish(CLUSTER_SUBJECT, encodeClusterMessage(message));
    } catch (error) {
      log.warn({ err: error, type: message.t }, 'could not publish to the other relays');
    }
  }

  function publishSnapshot(): void {
    for (const devices of chunkIds(hooks.listener?.connectedDevices() ?? [])) {
      publish({ t: 'snapshot', node, devices });
    }
  }

  function flushPresence(): void {
    const online = [...presenceChanges].filter(([, on]) => on).map(([id]) => id);
    const offline = [...presenceChanges].filter(([, on]) => !on).map(([id]) => id);
    presenceChanges.clear();
    for (const part of chunkIds(online))
      publish({ t: 'presence', node, online: part, offline: [] });
    for (const part of chunkIds(offline))
      publish({ t: 'presence', node, online: [], offline: part });
  }

  function receive(message: ClusterMessage): void {
    if (message.node === node) return;
    switch (message.t) {
      case 'wake':
        for (const deviceId of message.devices) hooks.listener?.wake(deviceId);
        return;
      case 'sessions-ended':
        sessionsHandler(message.sessions);
        return;
      case 'devices-revoked':
        hooks.listener?.devicesRevoked(message.devices);
        return;
      case 'presence':
        presence.seen(message.node, message.online);
        presence.gone(message.node, message.offline);
        return;
      case 'snapshot':
        presence.seen(message.node, message.devices);
        return;
      case 'hello':
        publishSnapshot();
        // The node is back from an outage, during which its own wake-ups may have been lost, some
        // after this relay caught up on reconnecting: read the mailboxes again for them.
        hooks.listener?.catchUp();
        return;
      case 'bye':
        presence.forgetNode(message.node);
        return;
    }
  }

  const subscription = nc.subscribe(CLUSTER_SUBJECT, {
    callback: (error, msg) => {
      if (error !== null) {
        log.warn({ err: error }, 'the subscription to the other relays failed');
        return;
      }
      const decoded = decodeClusterMessage(msg.data);
      if (decoded.message !== null) {
        receive(decoded.message);
        return;
      }
      if (now() - malformedLoggedAt >= MALFORMED_LOG_MS) {
        malformedLoggedAt = now();
        log.warn({ reason: decoded.reason }, 'ignored a malformed message from the bus');
      }
    },
  });

  (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        log.warn('lost the connection to the other relays: delivery between them waits');
      } else if (status.type === 'reconnect') {
        log.info('connected to the other relays again: catching up from the mailbox');
        publish({ t: 'hello', node });
        publishSnapshot();
        hooks.listener?.catchUp();
      }
    }
  })().catch((error: unknown) => {
    // Only the status reports end here; the sweep still catches up every `sweepMs`.
    log.error({ err: error }, 'stopped following the connection to the other relays');
  });

  const sweep = setInterval(() => hooks.listener?.catchUp(), options.sweepMs ?? SWEEP_MS);
  sweep.unref();
  const heartbeat = setInterval(() => {
    publishSnapshot();
    presence.prune();
  }, heartbeatMs);
  heartbeat.unref();
  publish({ t: 'hello', node });

  const fanout: Fanout = {
    committed(deviceIds) {
      for (const devices of chunkIds(deviceIds)) publish({ t: 'wake', node, devices });
    },
    presenceChanged(deviceId, connected) {
      if (presenceChanges.size === 0) setImmediate(flushPresence);
      presenceChanges.set(deviceId, connected);
    },
    connectedElsewhere: (deviceId) => presence.has(deviceId),
    devicesRevoked(deviceIds) {
      for (const devices of chunkIds(deviceIds)) publish({ t: 'devices-revoked', node, devices });
    },
    listen(next) {
      hooks.listener = next;
    },
  };

  return {
    fanout,
    sessionsEnded(sessionIds) {
      for (const sessions of chunkIds(sessionIds)) {
        publish({ t: 'sessions-ended', node, sessions });
      }
    },
    onSessionsEnded(handler) {
      sessionsHandler = handler;
    },
    async stop() {
      if (stopped) return;
      flushPresence();
      publish({ t: 'bye', node });
      stopped = true;
      clearInterval(sweep);
      clearInterval(heartbeat);
      subscription.unsubscribe();
      // The goodbye leaves if the bus is there; a relay stopping does not wait on one that is not.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        nc.flush().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, STOP_FLUSH_MS))),
      ]);
      clearTimeout(timer);
      await nc.close();
    },
  };
}
