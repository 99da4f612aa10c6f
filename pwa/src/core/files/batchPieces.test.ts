import { describe, expect, it } from 'vitest';
import { batchPieces } from './batchPieces.js';

async function* source(sizes: number[], failAtEnd = false): AsyncIterable<Uint8Array> {
  let value = 0;
  for (const size of sizes) {
    yield await Promise.resolve(Uint8Array.from({ length: size }, () => value++ & 0xff));
  }
  if (failAtEnd) throw new TypeError('network error');
}

async function collect(pieces: AsyncIterable<Uint8Array>) {
  const out: Uint8Array[] = [];
  let error: unknown = null;
  try {
    for await (const piece of pieces) out.push(piece.slice());
  } catch (caught) {
    error = caught;
  }
  return { lengths: out.map((piece) => piece.length), bytes: Buffer.concat(out), error };
}

describe('batchPieces', () => {
  it('joins small pieces and splits large ones, keeping every byte in order', async () => {
    const { lengths, bytes } = await collect(batchPieces(source([3, 4, 1, 10, 2]), 5));
    expect(lengths).toEqual([5, 5, 5, 5]);
    expect([...bytes]).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('yields the bytes joined so far before the source’s error', async () => {
    const { lengths, error } = await collect(batchPieces(source([3, 4], true), 5));
    expect(lengths).toEqual([5, 2]);
    expect(error).toBeInstanceOf(TypeError);
  });
});
