import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { PROTOCOL_VERSION, encodeFrame } from '@vaultroom/shared/protocol';
import type { RelayProcess } from './relayProcess.js';

/** How a hand-written upgrade ended: the relay answered hello, or what happened instead. */
export type RawUpgradeOutcome =
  'answered' | `closed with ${number}` | 'closed after 101' | `refused: ${string}`;

/** One binary WebSocket frame as a client must send it: masked (RFC 6455 §5.3). */
function maskedBinaryFrame(payload: Uint8Array): Buffer {
  const mask = randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x82, 0x80 | payload.length])
      : Buffer.from([0x82, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([length, mask, masked]);
}

/**
 * Upgrades to a socket over a bare TLS connection, with the `Connection` header given, and says
 * hello at once, without waiting for any reply: what the `ws` client cannot do (it always sends
 * `Connection: Upgrade`). Resolves once the relay sends a frame back (the answer, or a close
 * frame and its code), refuses the upgrade, or closes the connection.
 */
export function rawUpgrade(
  relay: RelayProcess,
  cookie: string,
  connection = 'Upgrade',
): Promise<RawUpgradeOutcome> {
  const host = `vaultroom.local:${String(relay.httpsPort)}`;
  const request = [
    'GET /ws HTTP/1.1',
    `Host: ${host}`,
    `Origin: https://${host}`,
    `Cookie: ${cookie}`,
    'Upgrade: websocket',
    `Connection: ${connection}`,
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        port: relay.httpsPort,
        ca: relay.caPem(),
        servername: 'vaultroom.local',
      },
      () => socket.write(request),
    );
    let received = Buffer.alloc(0);
    let upgraded = false;
    const settle = (outcome: RawUpgradeOutcome) => {
      resolve(outcome);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        const statusLine = received.subarray(0, end).toString().split('\r\n')[0] ?? '';
        if (!statusLine.startsWith('HTTP/1.1 101')) {
          settle(`refused: ${statusLine}`);
          return;
        }
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(
          maskedBinaryFrame(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, device: null })),
        );
      }
      // The relay's first frame: a binary one answers the hello; a close frame (opcode 8) carries
      // its code in the first two bytes of a short, unmasked payload.
      if (received.length < 2) return;
      const opcode = (received[0] ?? 0) & 0x0f;
      if (opcode !== 0x8) settle('answered');
      else if (received.length >= 4) settle(`closed with ${received.readUInt16BE(2)}`);
    });
    socket.on('close', () => {
      resolve(upgraded ? 'closed after 101' : 'refused: connection closed');
    });
    socket.on('error', () => undefined); // the close that follows says what happened
  });
}
