/** The relay benchmark's progress lines and its small arithmetic. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
/** Progress on standard error, each line stamped with seconds since start (to match a profile). */
export const log = (line: string) => {
  process.stderr.write(
    `${((performance.now() - started) / 1000).toFixed(1).padStart(6)}  ${line}\n`,
  );
};
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
