import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A server process that printed the JSON line it was waiting for. */
export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** The first JSON line that `ready` accepted. */
  readonly ready: Record<string, unknown>;
  /** Milliseconds from spawning the process to that line. */
  readonly startedInMs: number;
  /** Every JSON line written to standard output so far (none when `keepLogs` is false). */
  readonly logs: Record<string, unknown>[];
  /** Everything written to standard error so far. */
  stderr(): string;
  /**
   * Sends `signal` (SIGTERM unless told) and resolves with the exit code and how long the exit
   * took; with `forceAfterMs`, sends SIGKILL if the process is still there by then.
   */
  stop(
    signal?: NodeJS.Signals,
    forceAfterMs?: number,
  ): Promise<{ code: number | null; ms: number }>;
}

export interface SpawnServerOptions {
  /** Added to this process's environment. */
  readonly env?: Record<string, string>;
  /** Whether a JSON line from standard output says the server is ready. */
  readonly ready: (line: Record<string, unknown>) => boolean;
  readonly timeoutMs?: number;
  /**
   * Runs the command with the open-files limit raised to the hard limit, for thousands of
   * sockets. `exec` keeps the pid the server's own, so /proc reads its CPU time and memory.
   */
  readonly raiseOpenFileLimit?: boolean;
  /**
   * Words run before the command, which they must `exec` (e.g. `unshare -m sh -c …`); the pid is
   * then the server's own once they have run.
   */
  readonly launcher?: readonly string[];
  /**
   * Keeps every JSON line of standard output (the default). Benches under load turn it off: the
   * output is still read, so that a full pipe never blocks the server, but no longer parsed.
   */
  readonly keepLogs?: boolean;
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The one way tests and benches start a server process (the relay's CLI, the benches' bare uWS
 * servers and SQLite loops): spawn, read JSON lines from standard output until one says ready,
 * and kill it with this process so that a test that times out never leaves it running.
 */
export function spawnServer(
  command: readonly string[],
  options: SpawnServerOptions,
): Promise<ServerProcess> {
  const [file, ...args] = [
    ...(options.launcher ?? []),
    ...(options.raiseOpenFileLimit === true
      ? ['bash', '-c', `ulimit -n "$(ulimit -Hn)" && exec ${command.map(quote).join(' ')}`]
      : command),
  ];
  if (file === undefined) throw new Error('spawnServer needs a command');
  const spawnedAt = performance.now();
  const child = spawn(file, args, { env: { ...process.env, ...options.env } });
  const killWithWorker = () => child.kill('SIGKILL');
  process.once('exit', killWithWorker);
  child.once('exit', () => process.removeListener('exit', killWithWorker));
  const keepLogs = options.keepLogs ?? true;
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const name = command.join(' ');

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited with ${String(code)} before it was ready; stderr: ${stderr}`),
      );
    };
    child.once('exit', onExit);
    let ready: Record<string, unknown> | null = null;
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (keepLogs) logs.push(record);
        if (ready !== null || !options.ready(record)) continue;
        ready = record;
        clearTimeout(timer);
        child.off('exit', onExit);
        if (!keepLogs) {
          // Keep reading (a full pipe would block the server) but stop parsing.
          child.stdout.off('data', onData);
          child.stdout.resume();
        }
        resolve({
          child,
          pid: child.pid ?? 0,
          ready: record,
          startedInMs: performance.now() - spawnedAt,
          logs,
          stderr: () => stderr,
          stop: (signal = 'SIGTERM', forceAfterMs) => stop(child, signal, forceAfterMs),
        });
      }
    };
    child.stdout.on('data', onData);
  });
}

function stop(
  child: ChildProcessWithoutNullStreams,
  signal: NodeJS.Signals,
  forceAfterMs: number | undefined,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((done) => {
    // Already gone, by its own exit or a signal: no 'exit' event is coming.
    if (child.exitCode !== null || child.signalCode !== null) {
      done({ code: child.exitCode, ms: 0 });
      return;
    }
    const force =
      forceAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
    child.once('exit', (code) => {
      clearTimeout(force);
      done({ code, ms: Date.now() - started });
    });
    child.kill(signal);
  });
}
