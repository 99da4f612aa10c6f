import { describe, expect, it } from 'vitest';
import { createMemoryKeystoreKeySink } from './keystoreKeySink.js';

const key = (credentialId: string, fill: number) => ({
  credentialId,
  prfOutput: new Uint8Array(32).fill(fill),
});

describe('the memory keystore key sink', () => {
  it('keeps one output per passkey, newest first, as copies', () => {
    const sink = createMemoryKeystoreKeySink();
    const given = key('a', 1);
    sink.accept(given);
    given.prfOutput.fill(0);
    sink.accept(key('b', 2));
    sink.accept(key('a', 3));
    expect(sink.keys().map((k) => [k.credentialId, k.prfOutput[0]])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    sink.keys()[0]?.prfOutput.fill(9);
    expect(sink.keys()[0]?.prfOutput[0]).toBe(3);
  });

  it('overwrites what it forgets', () => {
    const sink = createMemoryKeystoreKeySink();
    sink.accept(key('a', 1));
    sink.accept(key('b', 2));
    sink.forget('a');
    expect(sink.keys().map((k) => k.credentialId)).toEqual(['b']);
    sink.clear();
    expect(sink.hasKey()).toBe(false);
    expect(sink.keys()).toEqual([]);
  });
});
