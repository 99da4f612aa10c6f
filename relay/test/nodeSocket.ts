import type { Clock, SocketFactory, SocketPort } from '@vaultroom/shared/client';
import WebSocket from 'ws';

/**
 * The delivery client's socket port over the `ws` package. `target` is read at each connection,
 * so a test can move the relay to another port (a restart) and the client follows.
 */
export function nodeSocket(
  target: () => { port: number; ca: string; cookie: string },
): SocketFactory {
  return () => {
    const { port, ca, cookie } = target();
    const options: WebSocket.ClientOptions & { servername: string } = {
      ca,
      servername: 'vaultroom.local',
      headers: { origin: `https://vaultroom.local:${port}`, cookie },
    };
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, options);
    const socket: SocketPort = {
      send: (bytes) => {
        ws.send(bytes);
      },
      close: (code) => {
        ws.close(code);
      },
      onOpen: () => undefined,
      onMessage: () => undefined,
      onClose: () => undefined,
    };
    ws.on('open', () => {
      socket.onOpen();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) socket.onMessage(new Uint8Array(data));
    });
    ws.on('close', (code) => {
      socket.onClose(code);
    });
    ws.on('error', () => undefined); // a close (1006) always follows
    return socket;
  };
}

export const nodeClock: Clock = {
  now: () => Date.now(),
  schedule: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => {
      clearTimeout(timer);
    };
  },
};
