import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, type SpawnServerOptions } from './spawnServer.js';

/** The built CLI, as an operator runs it; integration tests never import the relay in-process. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface RelayProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly dataDir: string;
  readonly httpsPort: number;
  readonly httpPort: number | null;
  readonly pid: number;
  /**
   * Milliseconds from spawning the process to the relay listening, which is when `/healthz`
   * first answers 200 (the same listener serves it, a few milliseconds later at most).
   */
  readonly startedInMs: number;
  /** Every JSON log record the relay wrote so far. */
  readonly logs: Record<string, unknown>[];
  readonly caPem: () => string;
  /** The one-time first-administrator link printed on a start with no account, if any. */
  readonly adminInvite: () => string | null;
  /** Everything the relay wrote to standard error. */
  readonly stderr: () => string;
  /**
   * Sends a signal (SIGTERM unless told) and resolves with the exit code and how long the exit
   * took; with `forceAfterMs`, sends SIGKILL if the relay is still there by then.
   */
  stop(
    signal?: NodeJS.Signals,
    forceAfterMs?: number,
  ): Promise<{ code: number | null; ms: number }>;
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

export interface RelayProcessOptions extends Pick<
  SpawnServerOptions,
  'env' | 'raiseOpenFileLimit' | 'launcher' | 'keepLogs'
> {
  /** A fresh temporary directory unless given (a restart passes the previous one). */
  readonly dataDir?: string;
  /** The redirect listener's port; 0 (the default) picks a free one. */
  readonly httpPort?: number;
  /** `postgres://…`: the relay keeps its database there (VAULTROOM_DATABASE_URL), not in SQLite. */
  readonly databaseUrl?: string;
  /** More `vaultroom serve` options. */
  readonly args?: readonly string[];
  /** Options for Node itself, before the CLI (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Where the relay's files are readable from here, when `launcher` moves them (a tmpfs). */
  readonly visibleDataDir?: (pid: number) => string;
}

/**
 * Starts `vaultroom serve` on a random loopback HTTPS port and waits until it is listening: the
 * one relay spawner of the integration tests, the browser tests and the benches.
 */
export async function startRelayProcess(options: RelayProcessOptions = {}): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? makeDataDir();
  const server = await spawnServer(
    [
      process.execPath,
      ...(options.nodeArgs ?? []),
      CLI,
      'serve',
      '--port',
      '0',
      '--http-port',
      String(options.httpPort ?? 0),
      '--data-dir',
      dataDir,
      ...(options.args ?? []),
    ],
    {
      ...options,
      env: {
        VAULTROOM_LOG_LEVEL: 'info',
        ...(options.databaseUrl === undefined
          ? {}
          : { VAULTROOM_DATABASE_URL: options.databaseUrl }),
        ...options.env,
      },
      ready: (line) => line['msg'] === 'relay listening',
    },
  );
  const { ready } = server;
  const readCa = () => fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem'), 'utf8');
  // Read at once from a tmpfs of the relay's own, which goes when the relay exits.
  const movedCa =
    options.visibleDataDir === undefined
      ? null
      : fs.readFileSync(path.join(options.visibleDataDir(server.pid), 'tls', 'ca.pem'), 'utf8');
  return {
    child: server.child,
    pid: server.pid,
    dataDir,
    httpsPort: ready['httpsPort'] as number,
    httpPort: (ready['httpPort'] as number | null | undefined) ?? null,
    startedInMs: server.startedInMs,
    logs: server.logs,
    caPem: () => movedCa ?? readCa(),
    adminInvite: () =>
      /https:\/\/\S+\/join#invite=[A-Za-z0-9_-]+/.exec(server.stderr())?.[0] ?? null,
    stderr: () => server.stderr(),
    stop: (signal, forceAfterMs) => server.stop(signal, forceAfterMs),
  };
}
