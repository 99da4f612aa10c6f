/** The flags every bench script takes. */
export interface BenchArgs {
  /** Seconds, not minutes: checks the harness works and measures nothing meaningful. */
  readonly smoke: boolean;
  /** Where to write `{"figures":[...]}`, if anywhere. */
  readonly json: string | null;
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const at = argv.indexOf('--json');
  const json = at === -1 ? null : (argv[at + 1] ?? null);
  if (at !== -1 && (json === null || json.startsWith('--'))) {
    throw new Error('--json needs a file name');
  }
  return { smoke: argv.includes('--smoke'), json };
}
