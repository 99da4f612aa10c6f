/**
 * The baseline relay: uWebSockets.js over TLS, imported and configured as the relay does it
 * (same certificate, ciphers, payload limit, idle timeout, no compression), that forwards each
 * binary frame's bytes to the client's peer and does nothing else: no session, no protocol, no
 * storage. Run as its own process so its CPU time and memory are its own.
 *
 *   node --import tsx bench/relay/bareRelay.ts --mode one|batched --cert <pem> --key <pem>
 *
 * `one` sends each frame with its own call, as it arrives; `batched` queues frames per socket
 * and writes them corked once per loop turn, as the relay does. A client connects to
 * `/ws?c=<its index>&p=<its peer's index>` and prints nothing but the listening port.
 */
import * as uWS from 'uWebSockets.js';

interface Peer {
  readonly self: number;
  readonly peer: number;
  queue?: ArrayBuffer[];
}

function arg(name: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? undefined : process.argv[at + 1];
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const mode = arg('mode');
if (mode !== 'one' && mode !== 'batched') throw new Error('--mode is one or batched');
const batched = mode === 'batched';

const sockets = new Map<number, uWS.WebSocket<Peer>>();
const dirty = new Set<uWS.WebSocket<Peer>>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const ws of dirty) {
    const data = ws.getUserData();
    const queue = data.queue ?? [];
    data.queue = [];
    ws.cork(() => {
      for (const frame of queue) ws.send(frame, true);
    });
  }
  dirty.clear();
}

// uws-pack exports the flag at run time but types it only through an enum it does not export.
const EXCLUSIVE_PORT = (uWS as typeof uWS & { LIBUS_LISTEN_EXCLUSIVE_PORT: uWS.ListenOptions })
  .LIBUS_LISTEN_EXCLUSIVE_PORT;

const app = uWS
  .SSLApp({
    cert_file_name: arg('cert'),
    key_file_name: arg('key'),
    ssl_ciphers: 'ECDHE+AESGCM:ECDHE+CHACHA20',
  })
  .ws<Peer>('/ws', {
    maxPayloadLength: 1024 * 1024,
    maxBackpressure: 1024 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      res.upgrade<Peer>(
        { self: Number(req.getQuery('c')), peer: Number(req.getQuery('p')) },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      sockets.set(ws.getUserData().self, ws);
    },
    message: (ws, message) => {
      const target = sockets.get(ws.getUserData().peer);
      if (target === undefined) return;
      if (!batched) {
        target.send(message, true);
        return;
      }
      // The message buffer is neutered when this call returns: queue a copy, as the relay does.
      const data = target.getUserData();
      (data.queue ??= []).push(message.slice(0));
      dirty.add(target);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
    close: (ws) => {
      const data = ws.getUserData();
      dirty.delete(ws);
      if (sockets.get(data.self) === ws) sockets.delete(data.self);
    },
  });

app.listen(0, EXCLUSIVE_PORT, (listen) => {
  if (listen === false) {
    console.error('bare relay: cannot listen');
    process.exit(1);
  }
  console.log(JSON.stringify({ port: uWS.us_socket_local_port(listen) }));
});

process.on('SIGTERM', () => {
  process.exit(0);
});
