import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, type RelayProcess } from '../relayProcess.js';

export interface TmpfsRelay extends RelayProcess {
  /** The data directory as this process sees it: the relay's tmpfs, through /proc/<pid>/root. */
  readonly visibleDataDir: string;
}

/**
 * Starts `vaultroom serve` with its data directory on a tmpfs of `sizeMiB`, mounted in a mount
 * namespace of its own (`unshare -m`, as root): the rest of the machine never sees the mount, and
 * it disappears with the relay. The test reaches the files through /proc/<pid>/root.
 */
export function startTmpfsRelay(sizeMiB: number, args: string[] = []): Promise<TmpfsRelay> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-tmpfs-'));
  const script = 'mount -t tmpfs -o "size=$1" tmpfs "$2" && shift 2 && exec "$@"';
  const child = spawn(
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      script,
      'sh',
      `${sizeMiB}m`,
      dataDir,
      process.execPath,
      CLI,
      'serve',
      '--port',
      '0',
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
      ...args,
    ],
    { env: { ...process.env, VAULTROOM_LOG_LEVEL: 'info' } },
  );
  const killWithWorker = () => child.kill('SIGKILL');
  process.once('exit', killWithWorker);
  child.once('exit', () => {
    process.removeListener('exit', killWithWorker);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const visibleDataDir = `/proc/${String(child.pid)}/root${dataDir}`;
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay on tmpfs did not start; stderr: ${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay on tmpfs exited with ${String(code)}; stderr: ${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record['msg'] !== 'relay listening') continue;
        clearTimeout(timer);
        const ca = fs.readFileSync(path.join(visibleDataDir, 'tls', 'ca.pem'), 'utf8');
        child.removeAllListeners('exit');
        child.once('exit', () => {
          fs.rmSync(dataDir, { recursive: true, force: true });
        });
        resolve({
          child,
          dataDir,
          visibleDataDir,
          httpsPort: record['httpsPort'] as number,
          httpPort: null,
          logs,
          caPem: () => ca,
          adminInvite: () => /https:\/\/\S+\/join#invite=[A-Za-z0-9_-]+/.exec(stderr)?.[0] ?? null,
          stderr: () => stderr,
          stop(signal = 'SIGTERM') {
            const started = Date.now();
            return new Promise((done) => {
              if (child.exitCode !== null) {
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
