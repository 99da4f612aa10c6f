import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { createRelayStatus } from './createRelayStatus.js';

const report = { status: 'ok', version: '0.1.0', uptimeSeconds: 5, database: 'ok' };

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('createRelayStatus', () => {
  it('checks again at once when asked, though the browser stayed online', async () => {
    let calls = 0;
    let up = false;
    const { relay, dispose } = createRoot((dispose) => ({
      dispose,
      relay: createRelayStatus({
        fetchHealth: () => {
          calls += 1;
          return up
            ? Promise.resolve({ httpStatus: 200, body: report })
            : Promise.reject(new TypeError('Failed to fetch'));
        },
        connectivity: { isOnline: () => true, subscribe: () => () => undefined },
        intervalMs: 60_000,
      }),
    }));
    await settle();
    expect(calls).toBe(1);
    expect(relay.status().kind).toBe('unreachable');

    // The chat's socket is back: the relay is asked again without waiting for the next round.
    up = true;
    relay.checkNow();
    await settle();
    expect(calls).toBe(2);
    expect(relay.status().kind).toBe('connected');
    dispose();
  });
});
