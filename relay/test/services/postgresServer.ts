import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../relayProcess.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the machine's own packages (Debian's `postgresql`), started for one test
 * file in a temporary directory on a loopback port, and removed after. PostgreSQL refuses to run
 * as root, so as root it runs as the `postgres` user the package creates.
 */
export interface PostgresServer {
  /** `postgres://…` for the database `vaultroom`, as VAULTROOM_DATABASE_URL takes it. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Fast shutdown, then start again on the same port and data (a PostgreSQL restart). */
  restart(): Promise<void>;
  /** The two halves of a restart, to look at what clients see while it is down. */
  shutDown(): Promise<void>;
  startAgain(): Promise<void>;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

/** The newest installed server's binaries (`/usr/lib/postgresql/<major>/bin`), or a clear error. */
export function postgresBinaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((name) => fs.existsSync(path.join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = majors[0];
  if (newest === undefined) {
    throw new Error('PostgreSQL is not installed: apt-get install postgresql (see .ci/run)');
  }
  return path.join(root, newest, 'bin');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL program as the unprivileged user when we are root. */
function asServerUser(program: string, args: readonly string[]) {
  return asRoot
    ? run('runuser', ['-u', 'postgres', '--', program, ...args])
    : run(program, [...args]);
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  fs.mkdirSync(socketDir);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    for (const entry of [dir, socketDir]) fs.chownSync(entry, Number(stdout), Number(gid));
  }
  const port = await freePort();
  await asServerUser(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'vaultroom',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-instructions',
  ]);
  // Only loopback, only this port; durability as the relay documents (fsync and synchronous
  // commit on), so crash tests measure what an operator gets.
  const options = [
    `-p ${String(port)}`,
    `-k ${socketDir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=on',
    '-c synchronous_commit=on',
    '-c max_connections=50',
  ].join(' ');
  const pgCtl = path.join(bin, 'pg_ctl');
  const start = () =>
    asServerUser(pgCtl, [
      '-D',
      dataDir,
      '-o',
      options,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  const stopServer = (mode: 'fast' | 'immediate') =>
    asServerUser(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  await start();
  await run(path.join(bin, 'createdb'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'vaultroom',
    'vaultroom',
  ]);
  let running = true;
  return {
    url: `postgres://vaultroom@127.0.0.1:${String(port)}/vaultroom`,
    port,
    dataDir,
    async restart() {
      await stopServer('fast');
      await start();
    },
    async shutDown() {
      await stopServer('fast');
    },
    async startAgain() {
      await start();
    },
    async stop() {
      if (running) {
        running = false;
        await stopServer('immediate').catch(() => undefined);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
