import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeServerFrame, encodeFrame } from './codec.js';
import { deliverEnvelopeBytes, fitDeliverBatch } from './fitDeliverBatch.js';
import { LIMITS } from './limits.js';

interface Envelope {
  id: string;
  from: string;
  msg: Uint8Array<ArrayBuffer>;
  body: Uint8Array<ArrayBuffer>;
  at: number;
}

const largest = (): Envelope => ({
  id: 'i'.repeat(LIMITS.maxIdLength),
  from: 'f'.repeat(LIMITS.maxIdLength),
  msg: new Uint8Array(LIMITS.messageIdBytes),
  body: new Uint8Array(LIMITS.maxEnvelopeBytes),
  at: Number.MAX_SAFE_INTEGER,
});

const encodedSize = (envelopes: Envelope[]) => encodeFrame({ t: 'deliver', envelopes }).byteLength;

describe('fitDeliverBatch', () => {
  it('always fits one envelope of the largest size alone, and the frame decodes', () => {
    const one = [largest()];
    expect(fitDeliverBatch(one)).toBe(1);
    expect(encodedSize(one)).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
    expect(() => decodeServerFrame(encodeFrame({ t: 'deliver', envelopes: one }))).not.toThrow();
  });

  it('cuts 100 envelopes of 8 KiB (800 KiB) into frames each within the limit', () => {
    const envelopes = Array.from({ length: 100 }, (_, i) => ({
      ...largest(),
      id: `envelope-${String(i)}`,
      body: new Uint8Array(8 * 1024),
    }));
    let rest = envelopes;
    let frames = 0;
    while (rest.length > 0) {
      const count = fitDeliverBatch(rest);
      expect(count).toBeGreaterThan(0);
      const frame = encodeFrame({ t: 'deliver', envelopes: rest.slice(0, count) });
      expect(frame.byteLength).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
      expect(decodeServerFrame(frame)).toMatchObject({ t: 'deliver' });
      rest = rest.slice(count);
      frames += 1;
    }
    expect(frames).toBe(2);
  });

  it('bounds the encoded size from above and packs within the limit, for any mix of sizes', () => {
    const envelope = fc.record({
      id: fc.string({ minLength: 1, maxLength: LIMITS.maxIdLength, unit: 'grapheme' }),
      from: fc.string({ minLength: 1, maxLength: LIMITS.maxIdLength }),
      msg: fc.constant(new Uint8Array(LIMITS.messageIdBytes)),
      body: fc
        .oneof(
          fc.integer({ min: 0, max: 512 }),
          fc.integer({ min: 0, max: LIMITS.maxEnvelopeBytes }),
          fc.constant(LIMITS.maxEnvelopeBytes),
        )
        .map((length) => new Uint8Array(length)),
      at: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    });
    fc.assert(
      fc.property(fc.array(envelope, { minLength: 1, maxLength: 120 }), (envelopes) => {
        for (const one of envelopes) {
          // Alone in a frame: the bound is never below what the encoder writes.
          expect(deliverEnvelopeBytes(one) + 32).toBeGreaterThanOrEqual(encodedSize([one]));
        }
        const count = fitDeliverBatch(envelopes);
        expect(count).toBeGreaterThan(0);
        expect(encodedSize(envelopes.slice(0, count))).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
      }),
      { numRuns: 60 },
    );
  });
});
