import type { WatchSocket } from '../core/createSessionWatch.js';

/**
 * The relay's socket on this origin, adapted to what the session watch needs. The browser sends
 * the session cookie with the upgrade request by itself.
 */
export function openSessionSocket(): WatchSocket {
  const socket = new WebSocket(`wss://${window.location.host}/ws`);
  const adapter: WatchSocket = {
    onopen: null,
    onclose: null,
    close(code, reason) {
      socket.close(code, reason);
    },
  };
  socket.addEventListener('open', (event) => adapter.onopen?.(event));
  socket.addEventListener('close', (event) => adapter.onclose?.({ code: event.code }));
  return adapter;
}
