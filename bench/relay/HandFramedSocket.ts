import { randomBytes } from 'node:crypto';
import tls from 'node:tls';

export interface SocketTarget {
  readonly port: number;
  readonly ca: string;
  /** Request path, e.g. `/ws`. */
  readonly path: string;
  readonly origin: string;
  readonly cookie?: string;
  /** A TLS session to resume (an abbreviated handshake); told of new ones through `onSession`. */
  readonly session?: Buffer;
  readonly onSession?: (session: Buffer) => void;
}

/** Sockets with frames queued this loop turn, written once per turn in one `write`. */
const dirty = new Set<HandFramedSocket>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const socket of dirty) socket.flush();
  dirty.clear();
}

/**
 * A minimal WebSocket client (RFC 6455) over Node's TLS: the upgrade request by hand, binary
 * frames out, unfragmented frames in, pings answered. A `ws`-based generator saturates before
 * the servers it measures on this machine (DESIGN.md §9); this one does the least work a client
 * can, and batches its own frames per loop turn like the servers under test do.
 */
export class HandFramedSocket {
  onFrame: (payload: Buffer) => void = () => undefined;
  onClose: () => void = () => undefined;
  private readonly out: Buffer[] = [];
  private pending: Buffer | null = null;
  private closed = false;

  private constructor(private readonly socket: tls.TLSSocket) {
    socket.on('close', () => {
      this.closed = true;
      this.onClose();
    });
    socket.on('error', () => undefined); // 'close' follows
  }

  /** Connects, upgrades, and resolves once the server said 101. */
  static connect(target: SocketTarget): Promise<HandFramedSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: target.port,
        ca: target.ca,
        servername: 'vaultroom.local',
        ...(target.session === undefined ? {} : { session: target.session }),
      });
      socket.setNoDelay(true);
      if (target.onSession !== undefined) socket.on('session', target.onSession);
      let head = Buffer.alloc(0);
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        const lines = [
          `GET ${target.path} HTTP/1.1`,
          `Host: vaultroom.local:${target.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          `Origin: ${target.origin}`,
        ];
        if (target.cookie !== undefined) lines.push(`Cookie: ${target.cookie}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onHead);
        socket.off('error', fail);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.startsWith('HTTP/1.1 101')) {
          fail(new Error(`upgrade refused: ${status}`));
          return;
        }
        const client = new HandFramedSocket(socket);
        socket.on('data', (data: Buffer) => {
          client.receive(data);
        });
        resolve(client);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) client.receive(rest);
      };
      socket.on('data', onHead);
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Queues one binary frame for this loop turn. The masking key is all zeros, which RFC 6455
   * allows: the server unmasks every byte either way, so its work is unchanged, and the client
   * saves a pass over each payload (loopback only, so masking's proxy protection is moot).
   */
  send(payload: Uint8Array): void {
    if (this.closed) return;
    this.out.push(
      frameHeader(0x2, payload.byteLength),
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    );
    this.markDirty();
  }

  /** Sends a close frame and ends the TCP connection once it is written. */
  close(): void {
    if (this.closed) return;
    this.out.push(frameHeader(0x8, 2), Buffer.from([0x03, 0xe8]));
    this.flush();
    this.socket.end();
    this.closed = true;
  }

  /** Drops the connection without a close frame (a device that vanished). */
  destroy(): void {
    this.socket.destroy();
    this.closed = true;
  }

  flush(): void {
    if (this.out.length === 0) return;
    const bytes = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out);
    this.out.length = 0;
    if (bytes !== undefined && !this.socket.destroyed) this.socket.write(bytes);
  }

  private markDirty(): void {
    dirty.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  private receive(chunk: Buffer): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    for (;;) {
      if (buf.length < 2) break;
      const opcode = (buf[0] ?? 0) & 0x0f;
      let length = (buf[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) break;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) break;
        length = buf.readUInt32BE(6);
        offset = 10;
      }
      if (buf.length < offset + length) break;
      const payload = buf.subarray(offset, offset + length);
      buf = buf.subarray(offset + length);
      if (opcode === 0x2 || opcode === 0x1) this.onFrame(payload);
      else if (opcode === 0x9) {
        this.out.push(frameHeader(0xa, payload.length), Buffer.from(payload));
        this.markDirty();
      } else if (opcode === 0x8) {
        this.close();
        return;
      }
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }
}

/** A final frame's header with a mask bit and an all-zero masking key (see `send`). */
function frameHeader(opcode: number, length: number): Buffer {
  if (length < 126) {
    const header = Buffer.alloc(6);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | length;
    return header;
  }
  if (length < 65536) {
    const header = Buffer.alloc(8);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(14);
  header[0] = 0x80 | opcode;
  header[1] = 0x80 | 127;
  header.writeUInt32BE(length, 6);
  return header;
}
