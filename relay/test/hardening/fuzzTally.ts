import { countsText, fuzzLine } from '../../../shared/test/fuzzing.js';

/**
 * Outcomes of the API fuzzer per endpoint, printed one line each in the harness's format. The
 * seed and the run count come from the project's fuzz harness (shared/test/fuzzing.ts).
 */
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
      console.log(
        fuzzLine(`${what} ${target}`, entry.executions, [
          `${String(entry.accepted)} accepted`,
          `refused [${countsText(entry.refused)}]`,
          `uncoded or 5xx ${String(entry.failures)} (bound 0)`,
        ]),
      );
    }
  }
}
