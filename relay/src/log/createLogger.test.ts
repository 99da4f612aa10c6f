import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './createLogger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with an ISO time when not on a terminal', () => {
    const { stream, lines } = capture();
    createLogger('info', stream).info({ port: 8443 }, 'listening');
    const [line] = lines();
    expect(line).toMatchObject({ msg: 'listening', port: 8443, service: 'vaultroom-relay' });
    expect(typeof line?.['time']).toBe('string');
  });

  it('redacts secrets even when a caller logs a whole object', () => {
    const { stream, lines } = capture();
    const marker = 'SECRET-MARKER-7f3a';
    createLogger('info', stream).info(
      { headers: { cookie: marker }, token: marker, challenge: marker, ciphertext: marker },
      'request',
    );
    expect(JSON.stringify(lines())).not.toContain(marker);
  });

  it('drops records below the configured level', () => {
    const { stream, lines } = capture();
    createLogger('warn', stream).info('quiet');
    expect(lines()).toEqual([]);
  });
});
