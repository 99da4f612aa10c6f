import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import {
  PROTOCOL_VERSION,
  decodeServerFrame,
  encodeFrame,
  type ClientFrame,
  type ServerFrame,
} from '@vaultroom/shared/protocol';
import WebSocket from 'ws';
import { ApiClient } from './apiClient.js';
import type { RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';

/**
 * A bare protocol client for tests: one socket, frames in and out as the relay sees them, no
 * retries or outbox, so every test controls exactly what is on the wire.
 */
export class DeviceSocket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<number>;
  /** Frames already handed to a `next` caller, so each is matched once. */
  private readonly consumed = new Set<ServerFrame>();
  private nextId = 1;
  private waiters: {
    match: (frame: ServerFrame) => boolean;
    resolve: (frame: ServerFrame) => void;
  }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(new Uint8Array(data));
      this.frames.push(frame);
      const waiter = this.waiters.find((candidate) => candidate.match(frame));
      if (waiter !== undefined) {
        this.consumed.add(frame);
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        waiter.resolve(frame);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', resolve));
  }

  static async open(relay: RelayProcess, cookie: string): Promise<DeviceSocket> {
    const options: WebSocket.ClientOptions & { servername: string } = {
      ca: relay.caPem(),
      servername: 'vaultroom.local',
      headers: { origin: `https://vaultroom.local:${relay.httpsPort}`, cookie },
    };
    const socket = new WebSocket(`wss://127.0.0.1:${relay.httpsPort}/ws`, options);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new DeviceSocket(socket);
  }

  id(): number {
    return this.nextId++;
  }

  raw(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  send(frame: ClientFrame): void {
    this.socket.send(encodeFrame(frame));
  }

  /** The next frame (already received or future) that matches, after `from` frames. */
  next(match: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    const earlier = this.frames.find((frame) => !this.consumed.has(frame) && match(frame));
    if (earlier !== undefined) {
      this.consumed.add(earlier);
      return Promise.resolve(earlier);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.t).join(',')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  /** Sends a request and waits for the reply with its id. */
  async request(frame: ClientFrame & { id: number }): Promise<ServerFrame> {
    const reply = this.next((candidate) => 'id' in candidate && candidate.id === frame.id);
    this.send(frame);
    return reply;
  }

  async hello(device: string | null, version = PROTOCOL_VERSION): Promise<ServerFrame> {
    const reply = this.next((frame) => frame.t === 'welcome' || frame.t === 'error');
    this.send({ t: 'hello', v: version, device });
    return reply;
  }

  close(): void {
    this.socket.close();
  }
}

/** Signs up an account through an invite link and returns its API client. */
export async function signUp(
  relay: RelayProcess,
  invite: string,
  handle: string,
): Promise<ApiClient> {
  const client = new ApiClient(relay);
  const key = new SoftAuthenticator({ origin: client.origin });
  const token = new URL(invite).hash.replace('#invite=', '');
  const begin = await client.request('POST', '/api/registration/options', {
    invite: token,
    handle,
    displayName: handle,
  });
  const done = await client.request('POST', '/api/registration/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
  });
  if (done.status !== 201)
    throw new Error(`sign-up of ${handle} failed: ${JSON.stringify(done.body)}`);
  return client;
}
