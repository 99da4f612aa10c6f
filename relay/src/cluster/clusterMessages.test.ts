import { describe, expect, it } from 'vitest';
import {
  MAX_IDS_PER_MESSAGE,
  type ClusterMessage,
  chunkIds,
  decodeClusterMessage,
  encodeClusterMessage,
} from './clusterMessages.js';
import { natsConnectionOptions } from './startCluster.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('cluster messages', () => {
  it('round-trips every kind of message', () => {
    const messages: ClusterMessage[] = [
      { t: 'wake', node: 'n1', devices: ['d1', 'd2'] },
      { t: 'sessions-ended', node: 'n1', sessions: ['s1'] },
      { t: 'devices-revoked', node: 'n1', devices: ['d1'] },
      { t: 'presence', node: 'n1', online: ['d1'], offline: ['d2'] },
      { t: 'snapshot', node: 'n1', devices: [] },
      { t: 'hello', node: 'n1' },
      { t: 'bye', node: 'n1' },
    ];
    for (const message of messages) {
      expect(decodeClusterMessage(bytes(encodeClusterMessage(message)))).toEqual({ message });
    }
  });

  it('refuses what is not a message, with a reason and no exception', () => {
    const refused = [
      bytes('not json'),
      new Uint8Array([0xff, 0xfe]),
      bytes('{"t":"wake","node":"n1"}'),
      bytes('{"t":"wake","node":"n1","devices":[1]}'),
      bytes('{"t":"unknown","node":"n1"}'),
      bytes('{"t":"hunter2","node":"n1"}'),
      bytes('{"t":"wake","node":"n1","devices":[{"hunter2":1}]}'),
      bytes(JSON.stringify({ t: 'sessions-ended', node: 'n1', sessions: ['x'.repeat(129)] })),
      bytes(
        JSON.stringify({
          t: 'wake',
          node: 'n1',
          devices: Array.from({ length: MAX_IDS_PER_MESSAGE + 1 }, (_, n) => `d${String(n)}`),
        }),
      ),
    ];
    for (const data of refused) {
      const decoded = decodeClusterMessage(data);
      expect(decoded.message).toBeNull();
      expect('reason' in decoded && decoded.reason.length > 0).toBe(true);
      // The reason is logged: it names the check, never what was received.
      expect('reason' in decoded && decoded.reason.includes('hunter2')).toBe(false);
    }
  });

  it('splits long id lists into messages that each fit', () => {
    const ids = Array.from({ length: 2 * MAX_IDS_PER_MESSAGE + 1 }, (_, n) => String(n));
    const chunks = chunkIds(ids);
    expect(chunks.map((chunk) => chunk.length)).toEqual([
      MAX_IDS_PER_MESSAGE,
      MAX_IDS_PER_MESSAGE,
      1,
    ]);
    expect(chunks.flat()).toEqual(ids);
  });
});

describe('natsConnectionOptions', () => {
  it('moves credentials from the URL into options, leaving the server address bare', () => {
    expect(natsConnectionOptions('nats://relay:s%40cret@10.0.0.5:4222')).toMatchObject({
      servers: 'nats://10.0.0.5:4222',
      user: 'relay',
      pass: 's@cret',
    });
    const withToken = natsConnectionOptions('nats://t0ken@nats.example:4222');
    expect(withToken).toMatchObject({ servers: 'nats://nats.example:4222', token: 't0ken' });
    expect(natsConnectionOptions('nats://127.0.0.1:4222')).not.toHaveProperty('token');
  });
});
