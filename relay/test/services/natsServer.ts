import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../relayProcess.js';

/**
 * A NATS server of the machine's own packages (Debian's `nats-server`), on a loopback port, for
 * one test file. `pause` stops it for a while and `resume` starts it again on the same port, as
 * an operator's restart or a network cut would look to the relays.
 */
export interface NatsServer {
  /** `nats://…`, as VAULTROOM_NATS_URL takes it. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM); the port stays reserved for `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

const BINARY_PATHS = ['/usr/sbin/nats-server', '/usr/bin/nats-server'];

export function natsBinary(): string {
  const found = BINARY_PATHS.find((candidate) => fs.existsSync(candidate));
  if (found === undefined) {
    throw new Error('nats-server is not installed: apt-get install nats-server (see .ci/run)');
  }
  return found;
}

/** Resolves once something accepts TCP connections on the port, or rejects after `ms`. */
function listening(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`nats-server did not listen on ${String(port)}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

export async function startNats(): Promise<NatsServer> {
  const binary = natsBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-nats-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const launch = async () => {
    child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', log, log],
    });
    await listening(port, 10_000);
  };
  const halt = async () => {
    const running = child;
    child = null;
    if (running === null) return;
    running.kill('SIGTERM');
    await exited(running);
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${String(port)}`,
    port,
    pause: halt,
    resume: launch,
    async stop() {
      await halt();
      fs.closeSync(log);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
