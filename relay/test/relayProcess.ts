import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, as an operator runs it; integration tests never import the relay in-process. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface RelayProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly dataDir: string;
  readonly httpsPort: number;
  readonly httpPort: number | null;
  /**
   * Milliseconds from spawning the process to the relay listening, which is when `/healthz`
   * first answers 200 (the same listener serves it, a few milliseconds later at most). Given by
   * startRelayProcess; other helpers that start a relay may leave it out.
   */
  readonly startedInMs?: number;
  /** Every JSON log record the relay wrote so far. */
  readonly logs: Record<string, unknown>[];
  readonly caPem: () => string;
  /** The one-time first-administrator link printed on a start with no account, if any. */
  readonly adminInvite: () => string | null;
  /** Everything the relay wrote to standard error. */
  readonly stderr: () => string;
  /** Sends a signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-relay-'));
}

/** A port that was free a moment ago; for the redirect listener, where 0 means "disabled". */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion (for commands that exit, or a serve that fails to start). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `vaultroom serve` on a random HTTPS port and waits until it is listening. */
export function startRelayProcess(
  options: {
    dataDir?: string;
    httpPort?: number;
    args?: string[];
    env?: Record<string, string>;
  } = {},
): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? makeDataDir();
  const args = [
    CLI,
    'serve',
    '--port',
    '0',
    '--http-port',
    String(options.httpPort ?? 0),
    '--data-dir',
    dataDir,
    ...(options.args ?? []),
  ];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, VAULTROOM_LOG_LEVEL: 'info', ...options.env },
  });
  // A test that times out never reaches its cleanup: the relay must not outlive the test worker.
  const killWithWorker = () => child.kill('SIGKILL');
  process.once('exit', killWithWorker);
  child.once('exit', () => process.removeListener('exit', killWithWorker));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not start in time; stderr: ${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${String(code)} before listening; stderr: ${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record['msg'] !== 'relay listening') continue;
        const startedInMs = performance.now() - spawnedAt;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const httpsPort = record['httpsPort'] as number;
        resolve({
          child,
          dataDir,
          httpsPort,
          httpPort: (record['httpPort'] as number | null) ?? null,
          startedInMs,
          logs,
          caPem: () => fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem'), 'utf8'),
          adminInvite: () => /https:\/\/\S+\/join#invite=[A-Za-z0-9_-]+/.exec(stderr)?.[0] ?? null,
          stderr: () => stderr,
          stop(signal = 'SIGTERM') {
            const started = Date.now();
            return new Promise((done) => {
              // Already gone, by its own exit or a signal: no 'exit' event is coming.
              if (child.exitCode !== null || child.signalCode !== null) {
                done({ code: child.exitCode, ms: 0 });
                return;
              }
              child.once('exit', (code) => {
                done({ code, ms: Date.now() - started });
              });
              child.kill(signal);
            });
          },
        });
      }
    });
  });
}
