import { describe, expect, it } from 'vitest';
import { createSessionWatch, type WatchSocket } from './createSessionWatch.js';

function harness(onConnectFailed?: () => void) {
  const sockets: (WatchSocket & { closedWith?: number })[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  let ended = 0;
  const watch = createSessionWatch({
    openSocket: () => {
      const socket: WatchSocket & { closedWith?: number } = {
        onopen: null,
        onclose: null,
        close(code) {
          socket.closedWith = code ?? 1005;
        },
      };
      sockets.push(socket);
      return socket;
    },
    onSessionEnded: () => {
      ended += 1;
    },
    ...(onConnectFailed ? { onConnectFailed } : {}),
    setTimer: (run, ms) => timers.push({ run, ms }),
    clearTimer: () => undefined,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    random: () => 1,
  });
  return { watch, sockets, timers, ended: () => ended };
}

describe('the session watch', () => {
  it('reports an ended session on a 1008 close and does not reconnect', () => {
    const h = harness();
    h.watch.start();
    h.sockets[0]?.onclose?.({ code: 1008 });
    expect(h.ended()).toBe(1);
    expect(h.timers).toEqual([]);
  });

  it('reconnects after other closes with a growing, capped delay', () => {
    const h = harness();
    h.watch.start();
    for (let i = 0; i < 5; i++) {
      h.sockets[i]?.onclose?.({ code: 1006 });
      h.timers[i]?.run();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(h.sockets).toHaveLength(6);
    expect(h.ended()).toBe(0);
  });

  it('starts the backoff again once a connection opens', () => {
    const h = harness();
    h.watch.start();
    h.sockets[0]?.onclose?.({ code: 1006 });
    h.timers[0]?.run();
    h.sockets[1]?.onopen?.({});
    h.sockets[1]?.onclose?.({ code: 1001 });
    expect(h.timers[1]?.ms).toBe(1000);
  });

  it('closes its socket on stop and ignores the close that follows', () => {
    const h = harness();
    h.watch.start();
    h.watch.stop();
    expect(h.sockets[0]?.closedWith).toBe(1000);
    h.sockets[0]?.onclose?.({ code: 1008 });
    expect(h.ended()).toBe(0);
    expect(h.timers).toEqual([]);
  });

  it('asks about the session when a connection fails before opening, and not otherwise', () => {
    let failed = 0;
    const h = harness(() => {
      failed += 1;
    });
    h.watch.start();
    h.sockets[0]?.onclose?.({ code: 1006 });
    expect(failed).toBe(1);
    h.timers[0]?.run();
    h.sockets[1]?.onopen?.({});
    h.sockets[1]?.onclose?.({ code: 1006 });
    expect(failed).toBe(1);
  });
});
