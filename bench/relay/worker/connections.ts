/** A worker's sockets to the relay: opening, hello, a round trip, draining a queue, closing. */
import { PROTOCOL_VERSION, encodeFrame } from '@vaultroom/shared/protocol';
import { HandFramedSocket } from '../HandFramedSocket.js';
import { flushAcks, onRelayFrame } from './messageFlow.js';
import { state, waitFor, type Client } from './workerState.js';

export async function pool<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  });
  await Promise.all(lanes);
}

export async function openRelay(client: Client): Promise<HandFramedSocket> {
  const socket = await HandFramedSocket.connect({
    port: client.spec.relayPort ?? state.ports.relay,
    ca: state.ca,
    path: '/ws',
    origin: state.origin,
    cookie: client.spec.cookie,
  });
  socket.onFrame = (payload) => {
    onRelayFrame(client, payload);
  };
  // A deliberate close replaces this handler (closeSocket): only the relay's closes count.
  socket.onClose = () => {
    state.tally.closes += 1;
  };
  client.sockets.relay = socket;
  return socket;
}

export async function hello(client: Client, device: string | null): Promise<void> {
  const socket = client.sockets.relay;
  if (socket === undefined) throw new Error('no relay socket');
  const welcome = waitFor(client, (f) => f.t === 'welcome' || f.t === 'error');
  socket.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, device }));
  const reply = await welcome;
  if (reply.t !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(reply)}`);
}

/** Sends a ping after everything queued on the socket (acks included); resolves on its reply. */
export async function roundTrip(client: Client): Promise<void> {
  flushAcks(client);
  const id = state.controlId++;
  const done = waitFor(client, (f) => f.t === 'done' && f.id === id);
  client.sockets.relay?.send(encodeFrame({ t: 'ping', id }));
  await done;
}

export async function drain(client: Client, connect: boolean): Promise<number> {
  if (connect) await openRelay(client);
  client.received = 0;
  const empty = waitFor(client, (f) => f.t === 'queue-empty');
  await hello(client, client.device);
  await empty;
  await roundTrip(client);
  return client.received;
}

export async function closeSocket(socket: HandFramedSocket | undefined): Promise<void> {
  if (!socket?.isOpen) return;
  const closed = new Promise<void>((resolve) => {
    socket.onClose = resolve;
  });
  socket.close();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
}
