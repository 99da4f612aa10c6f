import { spawn, type ChildProcess } from 'node:child_process';

export interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The first JSON line that `ready` accepted. */
  readonly ready: Record<string, unknown>;
  /** Everything written to standard error so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Starts a server process with the open-files limit raised to the hard limit (thousands of
 * sockets need thousands of descriptors) and resolves once it prints a JSON line `ready` accepts.
 * `exec` keeps the pid the server's own, so its CPU time and memory can be read from /proc.
 */
export function spawnServer(
  command: readonly string[],
  options: {
    env?: Record<string, string>;
    ready: (line: Record<string, unknown>) => boolean;
    timeoutMs?: number;
  },
): Promise<Server> {
  const child = spawn(
    'bash',
    ['-c', `ulimit -n "$(ulimit -Hn)" && exec ${command.map(quote).join(' ')}`],
    {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command.join(' ')} did not start; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${String(code)}; stderr: ${stderr}`));
    };
    child.once('exit', onExit);
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
        if (!options.ready(record)) continue;
        clearTimeout(timer);
        child.off('exit', onExit);
        // Keep reading (a full pipe would block the server) but stop parsing.
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({
          child,
          pid: child.pid ?? 0,
          ready: record,
          stderr: () => stderr,
          stop: (graceMs = 10_000) =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) {
                done();
                return;
              }
              const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
              child.once('exit', () => {
                clearTimeout(force);
                done();
              });
              child.kill('SIGTERM');
            }),
        });
        return;
      }
    };
    child.stdout.on('data', onData);
  });
}
