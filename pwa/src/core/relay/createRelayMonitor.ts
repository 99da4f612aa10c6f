import type { HealthReport } from '@vaultroom/shared';
import type { Connectivity, FetchHealth } from '../ports.js';
import { parseHealthReport } from './parseHealthReport.js';

/** Why the last health check failed while the browser believed it was online. */
export type UnreachableReason = 'network' | 'timeout' | 'http-status' | 'invalid-report';

export type RelayStatus =
  | { readonly kind: 'checking' }
  | { readonly kind: 'connected'; readonly report: HealthReport; readonly checkedAt: number }
  | { readonly kind: 'unreachable'; readonly reason: UnreachableReason; readonly checkedAt: number }
  | { readonly kind: 'offline' };

export interface RelayMonitorOptions {
  readonly fetchHealth: FetchHealth;
  readonly connectivity: Connectivity;
  readonly onStatus: (status: RelayStatus) => void;
  /** Delay between the end of one check and the start of the next. */
  readonly intervalMs?: number;
  /** A check that has not answered by then counts as unreachable. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export interface RelayMonitor {
  /** Checks at once (unless offline), then every `intervalMs`. */
  start(): void;
  /** Checks now, unless a check is already running. */
  checkNow(): void;
  stop(): void;
}

export const RELAY_CHECK_INTERVAL_MS = 30_000;
export const RELAY_CHECK_TIMEOUT_MS = 10_000;

/**
 * Watches the relay's health endpoint. Checks never overlap: the next one is scheduled when the
 * previous one settles, and an `online` event starts one at once. While the browser says it is
 * offline no request is made and the status is `offline`.
 */
export function createRelayMonitor(options: RelayMonitorOptions): RelayMonitor {
  const {
    fetchHealth,
    connectivity,
    onStatus,
    intervalMs = RELAY_CHECK_INTERVAL_MS,
    timeoutMs = RELAY_CHECK_TIMEOUT_MS,
    now = Date.now,
  } = options;

  let running = false;
  let inFlight: AbortController | undefined;
  let nextCheck: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | undefined;

  function schedule(): void {
    clearTimeout(nextCheck);
    nextCheck = setTimeout(checkNow, intervalMs);
  }

  function checkNow(): void {
    if (!running || inFlight) return;
    clearTimeout(nextCheck);
    if (!connectivity.isOnline()) {
      onStatus({ kind: 'offline' });
      schedule();
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);

    const settle = (status: RelayStatus): void => {
      clearTimeout(timer);
      // A check cut short by stop() or by going offline reports nothing.
      if (inFlight !== controller) return;
      inFlight = undefined;
      onStatus(status);
      schedule();
    };

    fetchHealth(controller.signal).then(
      ({ httpStatus, body }) => {
        // A degraded relay may answer 503 with a valid report: the report wins over the status.
        const report = parseHealthReport(body);
        if (report) settle({ kind: 'connected', report, checkedAt: now() });
        else {
          const reason = httpStatus >= 200 && httpStatus < 300 ? 'invalid-report' : 'http-status';
          settle({ kind: 'unreachable', reason, checkedAt: now() });
        }
      },
      () => {
        settle({ kind: 'unreachable', reason: timedOut ? 'timeout' : 'network', checkedAt: now() });
      },
    );
  }

  function onConnectivity(online: boolean): void {
    if (online) {
      checkNow();
      return;
    }
    inFlight?.abort();
    inFlight = undefined;
    onStatus({ kind: 'offline' });
    schedule();
  }

  return {
    start() {
      if (running) return;
      running = true;
      unsubscribe = connectivity.subscribe(onConnectivity);
      checkNow();
    },
    checkNow,
    stop() {
      running = false;
      clearTimeout(nextCheck);
      inFlight?.abort();
      inFlight = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
