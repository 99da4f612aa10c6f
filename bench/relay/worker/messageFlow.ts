/**
 * Messages through a worker's sockets: sending (a run's messages and a backlog), what arrives
 * (latency measured at the recipient), and the acks a real client batches per loop turn.
 */
import { decode } from 'cborg';
import { encodeFrame, type ServerFrame } from '@vaultroom/shared/protocol';
import type { Backlog, Target } from '../WorkerCommand.js';
import {
  DELIVERED,
  SENT,
  body,
  clientOf,
  clients,
  errorCodes,
  msgId,
  now,
  state,
  waitFor,
  workerTag,
  type Client,
} from './workerState.js';

export const dirtyAcks = new Set<Client>();
let acksScheduled = false;
export function flushAcks(client: Client): void {
  const socket = client.sockets.relay;
  while (client.acks.length > 0) {
    const envelopes = client.acks.splice(0, 1024);
    if (socket?.isOpen) state.tally.acked += envelopes.length;
    socket?.send(encodeFrame({ t: 'ack', envelopes }));
  }
}
export function queueAck(client: Client, id: string): void {
  client.acks.push(id);
  dirtyAcks.add(client);
  if (!acksScheduled) {
    acksScheduled = true;
    // Acks of one loop turn go out in one frame per client, as a real client batches them.
    setImmediate(() => {
      acksScheduled = false;
      for (const c of dirtyAcks) flushAcks(c);
      dirtyAcks.clear();
    });
  }
}

/**
 * The recipient side: a message arrived, by whichever server (at `recipient`, when the server
 * says which client it pushed to).
 */
export function arrived(bytes: Uint8Array, at: number, recipient?: Client): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.byteLength < 16) return;
  const sender = clients.get(view.readUInt32LE(8));
  const seq = view.readUInt32LE(12);
  if (sender === undefined) return;
  // Only messages of the run in progress count: a late one from an earlier run (a server that
  // fell behind) is ignored, and so are backlog envelopes (their senders awaited only `sent`).
  // A message of this run that is no longer awaited arrived before: a duplicate.
  if (((sender.inflight.get(seq) ?? 0) & DELIVERED) === 0) {
    if (state.running !== null && seq > sender.runFrom && seq <= sender.seq)
      state.tally.duplicates += 1;
    return;
  }
  // Pushed to the wrong client: counted, and left in flight, so it is also never state.delivered.
  if (recipient !== undefined && recipient.spec.index !== sender.spec.peer) {
    state.tally.misdelivered += 1;
    return;
  }
  if (state.recording) state.latencies.push((at - view.readDoubleLE(0)) * 1000);
  state.delivered += 1;
  state.tally.delivered += 1;
  settle(sender, seq, DELIVERED);
}

export function settle(client: Client, seq: number, bit: number): void {
  const missing = client.inflight.get(seq);
  if (missing === undefined) return;
  const left = missing & ~bit;
  if (left !== 0) {
    client.inflight.set(seq, left);
    return;
  }
  client.inflight.delete(seq);
  if (state.running?.kind === 'closed' && client.inflight.size < state.running.window) {
    sendMessage(client, state.running.target, now());
  }
}

export function onRelayFrame(client: Client, payload: Buffer): void {
  const at = now();
  const frame = decode(payload) as ServerFrame;
  if (frame.t === 'deliver') {
    for (const envelope of frame.envelopes) {
      client.received += 1;
      queueAck(client, envelope.id);
      arrived(envelope.body, at, client);
    }
  } else if (frame.t === 'sent') {
    if (((client.inflight.get(frame.id) ?? 0) & SENT) !== 0) state.tally.sendAcked += 1;
    settle(client, frame.id, SENT);
  } else if (frame.t === 'error') {
    state.errors += 1;
    errorCodes.add(frame.code);
    if (frame.id !== null) client.inflight.delete(frame.id);
  }
  if (client.waiters.length > 0) {
    const waiter = client.waiters.find((w) => w.match(frame));
    if (waiter !== undefined) {
      client.waiters = client.waiters.filter((w) => w !== waiter);
      waiter.resolve(frame);
    }
  }
}

export function onBareFrame(payload: Buffer): void {
  const at = now();
  const frame = decode(payload) as { t: string; to?: { body: Uint8Array }[] };
  const first = frame.to?.[0];
  if (first !== undefined) arrived(first.body, at);
}

/** Sends one message from `client` to its peer through `target`, stamped with `stamp`. */
export function sendMessage(client: Client, target: Target, stamp: number): void {
  const socket = client.sockets[target];
  if (!socket?.isOpen) {
    state.tally.unsent += 1;
    return;
  }
  state.tally.sent += 1;
  const seq = ++client.seq;
  body.writeDoubleLE(stamp, 0);
  body.writeUInt32LE(client.spec.index, 8);
  body.writeUInt32LE(seq, 12);
  msgId.writeUInt32LE(client.spec.index, 0);
  msgId.writeUInt32LE(seq, 4);
  msgId.writeUInt32LE(workerTag, 8);
  msgId.writeUInt32LE(Date.now() % 0xffff_ffff, 12);
  client.inflight.set(seq, target === 'relay' ? DELIVERED | SENT : DELIVERED);
  socket.send(
    encodeFrame({
      t: 'send',
      id: seq,
      msg: new Uint8Array(msgId),
      to: [{ device: client.peerDevice ?? 'none', body: new Uint8Array(body) }],
    }),
  );
}

export function runBacklog(backlog: Backlog): Promise<void> {
  const client = clientOf(backlog.sender);
  const socket = client.sockets.relay;
  if (socket === undefined) throw new Error('backlog sender is not connected');
  const frames: string[][] = [];
  for (let round = 0; round < backlog.perRecipient; round++) {
    for (let i = 0; i < backlog.recipients.length; i += backlog.fanout) {
      frames.push(backlog.recipients.slice(i, i + backlog.fanout));
    }
  }
  return new Promise((resolve, reject) => {
    let nextFrame = 0;
    let outstanding = 0;
    const pump = () => {
      while (outstanding < backlog.window && nextFrame < frames.length) {
        const recipients = frames[nextFrame++] ?? [];
        const seq = ++client.seq;
        body.writeDoubleLE(now(), 0);
        body.writeUInt32LE(client.spec.index, 8);
        body.writeUInt32LE(seq, 12);
        msgId.writeUInt32LE(client.spec.index, 0);
        msgId.writeUInt32LE(seq, 4);
        msgId.writeUInt32LE(workerTag, 8);
        const bytes = new Uint8Array(body);
        client.inflight.set(seq, SENT);
        outstanding += 1;
        const id = seq;
        waitFor(client, (f) => (f.t === 'sent' || f.t === 'error') && f.id === id).then((reply) => {
          if (reply.t === 'error') {
            reject(new Error(`backlog send refused: ${reply.code}`));
            return;
          }
          outstanding -= 1;
          if (nextFrame >= frames.length && outstanding === 0) resolve();
          else pump();
        }, reject);
        socket.send(
          encodeFrame({
            t: 'send',
            id: seq,
            msg: new Uint8Array(msgId),
            to: recipients.map((device) => ({ device, body: bytes })),
          }),
        );
      }
    };
    if (frames.length === 0) resolve();
    else pump();
  });
}
