/**
 * Fuzzing settings shared by the hardening suite. CI runs the default seed and counts, so a
 * failure reproduces exactly; locally, `FUZZ_RUNS=20000` (and any `FUZZ_SEED`) is the long mode.
 */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261125);

/** Executions per target: `short` in CI, FUZZ_RUNS when set. */
export function fuzzRuns(short: number): number {
  const runs = Number(process.env['FUZZ_RUNS'] ?? short);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a whole number`);
  return runs;
}

/** Counts outcomes per target and prints one line each with its bounds. */
export class FuzzTally {
  private readonly targets = new Map<
    string,
    { executions: number; accepted: number; refused: Map<string, number>; failures: number }
  >();

  record(target: string, outcome: 'accepted' | { refused: string } | 'failure'): void {
    const entry = this.targets.get(target) ?? {
      executions: 0,
      accepted: 0,
      refused: new Map<string, number>(),
      failures: 0,
    };
    entry.executions += 1;
    if (outcome === 'accepted') entry.accepted += 1;
    else if (outcome === 'failure') entry.failures += 1;
    else entry.refused.set(outcome.refused, (entry.refused.get(outcome.refused) ?? 0) + 1);
    this.targets.set(target, entry);
  }

  get failures(): number {
    return [...this.targets.values()].reduce((sum, entry) => sum + entry.failures, 0);
  }

  get executions(): number {
    return [...this.targets.values()].reduce((sum, entry) => sum + entry.executions, 0);
  }

  print(what: string): void {
    for (const [target, entry] of this.targets) {
      const codes = [...entry.refused].map(([code, count]) => `${code} ${count}`).join(', ');
      console.log(
        `fuzz ${what} ${target}: ${entry.executions} executions (seed ${FUZZ_SEED}), ` +
          `${entry.accepted} accepted, refused [${codes}], uncoded or 5xx ${entry.failures} (bound 0)`,
      );
    }
  }
}
