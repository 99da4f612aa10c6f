import type { Clock, SocketFactory, SocketPort } from '@vaultroom/shared/client';

/** The delivery client's socket over the browser's WebSocket; the cookie goes with the upgrade. */
export const browserDeliverySocket: SocketFactory = (url) => {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const port: SocketPort = {
    send: (bytes) => {
      // Between the connection dropping and the close event, the browser would discard the frame
      // and log an error; the outbox sends it again on the next connection either way.
      if (socket.readyState >= WebSocket.CLOSING) return;
      socket.send(bytes);
    },
    close: (code) => {
      socket.close(code);
    },
    onOpen: () => undefined,
    onMessage: () => undefined,
    onClose: () => undefined,
  };
  socket.addEventListener('open', () => {
    port.onOpen();
  });
  socket.addEventListener('message', (event: MessageEvent<unknown>) => {
    // The protocol has no text frames (§2.1): those are dropped.
    if (event.data instanceof ArrayBuffer) port.onMessage(new Uint8Array(event.data));
  });
  socket.addEventListener('close', (event) => {
    port.onClose(event.code);
  });
  return port;
};

export const browserClock: Clock = {
  now: () => Date.now(),
  schedule: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => {
      clearTimeout(timer);
    };
  },
};

/** The relay's delivery socket on this origin. */
export function deliverySocketUrl(): string {
  return `wss://${window.location.host}/ws`;
}
