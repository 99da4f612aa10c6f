/**
 * One measured figure, in the shape every bench script writes with `--json` and `bench/run.ts`
 * merges: the candidate's value beside its baseline from the same run, their ratio, and the goal.
 */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: string;
  readonly baseline_value?: number;
  /** Median of the pairwise ratios candidate / baseline of the interleaved rounds. */
  readonly ratio?: number;
  /** The goal as text, e.g. "<= 3" (on the ratio when there is a baseline, else on the value). */
  readonly goal?: string;
  readonly met?: boolean;
  /** What a reader needs to judge the figure: the load, a saturated generator, a smoke run. */
  readonly note?: string;
}

export interface FigureFile {
  readonly figures: readonly Figure[];
}
