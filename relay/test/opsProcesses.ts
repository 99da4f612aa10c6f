import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/*
 * Running the daemons and tools of the ops tests: commands with a deadline, long-running
 * daemons that are always killed when the test process ends, and waiting on conditions.
 */

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion within a deadline; never throws. */
export function run(
  command: string,
  args: readonly string[],
  timeoutMs = 15_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 << 20, env },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === 'number' ? error.code : (error.signal ?? -1);
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Runs a command and throws with its error output unless it succeeds. */
export async function must(command: string, args: readonly string[], timeoutMs?: number) {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return result;
}

/** Whether a program is on the PATH (the tests of a tool that is absent are skipped). */
export function installed(program: string): boolean {
  return (process.env['PATH'] ?? '')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, program), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Long-running daemons of a test file; all are killed when the process ends, however it ends. */
const daemons = new Set<ChildProcess>();
export const killAllDaemons = () => {
  for (const child of daemons) child.kill('SIGKILL');
};
process.once('exit', killAllDaemons);

export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM (or the signal given), SIGKILL three seconds later; resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startDaemon(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Daemon {
  const child = spawn(command, args, { env: { ...process.env, ...env } });
  daemons.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          daemons.delete(child);
          resolve();
          return;
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(force);
          daemons.delete(child);
          resolve();
        });
        child.kill(signal);
      }),
  };
}

/** Polls `probe` until it returns a value other than null, or throws naming what it waited for. */
export async function until<T>(
  probe: () => Promise<T | null>,
  timeoutMs: number,
  what: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await pause(200);
  }
}

/** Reads a rendered `KEY=value` environment file as systemd does for plain and single-quoted values. */
export function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => {
        const value = line.slice(line.indexOf('=') + 1);
        const unquoted = /^'[^']*'$/.test(value) ? value.slice(1, -1) : value;
        return [line.slice(0, line.indexOf('=')), unquoted];
      }),
  );
}
