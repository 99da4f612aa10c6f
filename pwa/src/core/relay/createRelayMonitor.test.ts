import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connectivity, FetchHealth } from '../ports.js';
import { createRelayMonitor, type RelayStatus } from './createRelayMonitor.js';

const report = { status: 'ok', version: '1.2.3', uptimeSeconds: 60, database: 'ok' } as const;

function fakeConnectivity(initiallyOnline: boolean) {
  let online = initiallyOnline;
  const listeners = new Set<(online: boolean) => void>();
  const connectivity: Connectivity = {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    connectivity,
    listeners,
    set(next: boolean) {
      online = next;
      for (const listener of listeners) listener(next);
    },
  };
}

function setup(fetchHealth: FetchHealth, online = true) {
  const net = fakeConnectivity(online);
  const statuses: RelayStatus[] = [];
  const monitor = createRelayMonitor({
    fetchHealth,
    connectivity: net.connectivity,
    onStatus: (status) => statuses.push(status),
    intervalMs: 30_000,
    timeoutMs: 10_000,
    now: () => 0,
  });
  return { monitor, net, statuses };
}

const answer = (body: unknown, httpStatus = 200) => Promise.resolve({ httpStatus, body });

describe('createRelayMonitor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports the relay as connected with its report', async () => {
    const { monitor, statuses } = setup(() => answer(report));
    monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual([{ kind: 'connected', report, checkedAt: 0 }]);
    monitor.stop();
  });

  it('checks again every interval, one check at a time', async () => {
    const fetchHealth = vi.fn(() => answer(report));
    const { monitor } = setup(fetchHealth);
    monitor.start();
    monitor.checkNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchHealth).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchHealth).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchHealth).toHaveBeenCalledTimes(4);
    monitor.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchHealth).toHaveBeenCalledTimes(4);
  });

  it('tells a network failure, a timeout, an error status and a bad body apart', async () => {
    const network = setup(() => Promise.reject(new TypeError('Failed to fetch')));
    network.monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(network.statuses.at(-1)).toMatchObject({ kind: 'unreachable', reason: 'network' });
    network.monitor.stop();

    const hanging = setup(
      (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        }),
    );
    hanging.monitor.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hanging.statuses.at(-1)).toMatchObject({ kind: 'unreachable', reason: 'timeout' });
    hanging.monitor.stop();

    const failing = setup(() => answer('Bad Gateway', 502));
    failing.monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(failing.statuses.at(-1)).toMatchObject({ kind: 'unreachable', reason: 'http-status' });
    failing.monitor.stop();

    const garbled = setup(() => answer({ hello: 'world' }));
    garbled.monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(garbled.statuses.at(-1)).toMatchObject({
      kind: 'unreachable',
      reason: 'invalid-report',
    });
    garbled.monitor.stop();
  });

  it('takes a degraded report even when it comes with 503', async () => {
    const degraded = { ...report, status: 'degraded', database: 'unavailable' } as const;
    const { monitor, statuses } = setup(() => answer(degraded, 503));
    monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses.at(-1)).toEqual({ kind: 'connected', report: degraded, checkedAt: 0 });
    monitor.stop();
  });

  it('makes no request while offline and checks as soon as the browser is back online', async () => {
    const fetchHealth = vi.fn(() => answer(report));
    const { monitor, net, statuses } = setup(fetchHealth, false);
    monitor.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchHealth).not.toHaveBeenCalled();
    expect(statuses.at(-1)).toEqual({ kind: 'offline' });

    net.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchHealth).toHaveBeenCalledTimes(1);
    expect(statuses.at(-1)).toMatchObject({ kind: 'connected' });
    monitor.stop();
  });

  it('drops the answer of a check cut short by going offline', async () => {
    let resolve: (value: { httpStatus: number; body: unknown }) => void = () => undefined;
    const { monitor, net, statuses } = setup(
      () =>
        new Promise((r) => {
          resolve = r;
        }),
    );
    monitor.start();
    net.set(false);
    resolve({ httpStatus: 200, body: report });
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual([{ kind: 'offline' }]);
    monitor.stop();
  });

  it('unsubscribes from connectivity events when stopped', () => {
    const { monitor, net } = setup(() => answer(report));
    monitor.start();
    expect(net.listeners.size).toBe(1);
    monitor.stop();
    expect(net.listeners.size).toBe(0);
  });
});
