import fc from 'fast-check';
import { expect } from 'vitest';

/*
 * The one fuzz harness of the project, for the shared decoders and the relay's fuzz tests alike:
 * a fixed seed in CI, a long local mode, one printed line per target with its bounds (CI logs
 * read these lines), and byte-level mutations of valid encodings. FUZZ_SEED fixes the inputs
 * (CI uses the default); FUZZ_RUNS=200000 is the long local mode.
 */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261125);

/** Executions per target: `short` in CI, FUZZ_RUNS when set. */
export function fuzzRuns(short: number): number {
  const runs = Number(process.env['FUZZ_RUNS'] ?? short);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`FUZZ_RUNS must be a whole number of at least 1, not ${String(runs)}`);
  }
  return runs;
}

/**
 * The line printed for one target: `fuzz <target>: <n> executions (seed <seed>), <figures>`,
 * each figure naming its bound where it has one.
 */
export function fuzzLine(target: string, executions: number, figures: readonly string[]): string {
  return [
    `fuzz ${target}: ${String(executions)} executions (seed ${String(FUZZ_SEED)})`,
    ...figures,
  ].join(', ');
}

/** Counts by outcome as printed inside a fuzz line's brackets: `CODE 3, OTHER 1`. */
export function countsText(counts: ReadonlyMap<string, number>): string {
  return [...counts].map(([outcome, count]) => `${outcome} ${String(count)}`).join(', ');
}

/** One input taking this long counts as a hang: far above the slowest seen, even on a loaded machine. */
export const HANG_MS = 2000;

export interface FuzzTarget<T> {
  /** The name printed with the figures. */
  readonly target: string;
  readonly input: fc.Arbitrary<T>;
  /** Decodes (or otherwise consumes) one input; a refusal throws. */
  readonly run: (value: T) => unknown;
  /** The coded error a refusal must be, or undefined for anything else (a crash). */
  readonly codeOf: (error: unknown) => string | undefined;
  readonly runs: number;
}

/** What one target's inputs came to, for tests that also require both outcomes to occur. */
export interface FuzzOutcome {
  readonly accepted: number;
  readonly refused: ReadonlyMap<string, number>;
}

/**
 * Runs one target: every input must be accepted or refused with a coded error within HANG_MS.
 * Prints executions, refusals by code, crashes and hangs with their bounds (0), then asserts them.
 */
export async function fuzzTarget<T>(options: FuzzTarget<T>): Promise<FuzzOutcome> {
  const { target, input, run, codeOf, runs } = options;
  const refused = new Map<string, number>();
  let executions = 0;
  let accepted = 0;
  let crashes = 0;
  let hangs = 0;
  let slowest = 0;
  try {
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        executions += 1;
        const started = performance.now();
        let code: string | undefined = 'accepted';
        try {
          await run(value);
        } catch (error) {
          code = codeOf(error);
        }
        const ms = performance.now() - started;
        slowest = Math.max(slowest, ms);
        if (ms > HANG_MS) hangs += 1;
        if (code === undefined) crashes += 1;
        else if (code === 'accepted') accepted += 1;
        else refused.set(code, (refused.get(code) ?? 0) + 1);
        return code !== undefined && ms <= HANG_MS;
      }),
      { seed: FUZZ_SEED, numRuns: runs },
    );
  } finally {
    console.log(
      fuzzLine(target, executions, [
        `${String(accepted)} accepted`,
        `refused [${countsText(refused)}]`,
        `crashes ${String(crashes)} (bound 0)`,
        `hangs ${String(hangs)} (bound 0; slowest ${slowest.toFixed(1)} ms, bound ${String(HANG_MS)} ms)`,
      ]),
    );
  }
  expect(crashes).toBe(0);
  expect(hangs).toBe(0);
  return { accepted, refused };
}

/** Byte-level mutations a fuzzer applies: flips, overwrites, insertions, deletions, truncation, repeats. */
export function mutatedBytes(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat(32) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.nat(64) }),
  );
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([sample, edits]) => {
      let bytes = Uint8Array.from(sample);
      for (const e of edits) {
        const at = bytes.length === 0 ? 0 : e.at % bytes.length;
        switch (e.kind) {
          case 'flip':
            if (bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << e.bit);
            break;
          case 'set':
            if (bytes.length > 0) bytes[at] = e.value;
            break;
          case 'insert':
            bytes = Uint8Array.from([...bytes.subarray(0, at), ...e.bytes, ...bytes.subarray(at)]);
            break;
          case 'delete':
            bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + e.length)]);
            break;
          case 'truncate':
            bytes = bytes.slice(0, at);
            break;
          case 'repeat':
            bytes = Uint8Array.from([
              ...bytes.subarray(0, at + e.length),
              ...bytes.subarray(at, at + e.length),
              ...bytes.subarray(at + e.length),
            ]);
            break;
        }
      }
      return bytes;
    });
}
