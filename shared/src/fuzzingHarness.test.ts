import { afterEach, describe, expect, it, vi } from 'vitest';
import { countsText, FUZZ_SEED, fuzzLine, fuzzRuns } from '../test/fuzzing.js';

/* The fuzz harness every fuzz test uses (shared/test/fuzzing.ts): its run count and its line. */
describe('the fuzz harness', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('runs the short count unless FUZZ_RUNS gives another whole number', () => {
    vi.stubEnv('FUZZ_RUNS', undefined);
    expect(fuzzRuns(700)).toBe(700);
    vi.stubEnv('FUZZ_RUNS', '20000');
    expect(fuzzRuns(700)).toBe(20000);
  });

  it.each(['0', '-5', '2.5', 'many', ''])('refuses FUZZ_RUNS=%j with a clear error', (value) => {
    vi.stubEnv('FUZZ_RUNS', value);
    expect(() => fuzzRuns(700)).toThrow(/^FUZZ_RUNS must be a whole number of at least 1/);
  });

  it('prints one line: target, executions, seed, then the figures with their bounds', () => {
    const counts = new Map([
      ['MALFORMED', 3],
      ['BAD_SIGNATURE', 1],
    ]);
    expect(fuzzLine('decode', 4, [`refused [${countsText(counts)}]`, 'crashes 0 (bound 0)'])).toBe(
      `fuzz decode: 4 executions (seed ${String(FUZZ_SEED)}), ` +
        'refused [MALFORMED 3, BAD_SIGNATURE 1], crashes 0 (bound 0)',
    );
  });
});
