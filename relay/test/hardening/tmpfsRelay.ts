import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRelayProcess, type RelayProcess } from '../relayProcess.js';

export interface TmpfsRelay extends RelayProcess {
  /** The data directory as this process sees it: the relay's tmpfs, through /proc/<pid>/root. */
  readonly visibleDataDir: string;
}

/**
 * Starts `vaultroom serve` with its data directory on a tmpfs of `sizeMiB`, mounted in a mount
 * namespace of its own (`unshare -m`, as root): the rest of the machine never sees the mount, and
 * it disappears with the relay. The test reaches the files through /proc/<pid>/root.
 */
export async function startTmpfsRelay(sizeMiB: number, args: string[] = []): Promise<TmpfsRelay> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-tmpfs-'));
  const script = 'mount -t tmpfs -o "size=$1" tmpfs "$2" && shift 2 && exec "$@"';
  const visibleDataDir = (pid: number) => `/proc/${String(pid)}/root${dataDir}`;
  const removeMountPoint = () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const relay = await startRelayProcess({
      dataDir,
      args,
      launcher: ['unshare', '-m', 'sh', '-c', script, 'sh', `${sizeMiB}m`, dataDir],
      visibleDataDir,
    });
    relay.child.once('exit', removeMountPoint);
    return { ...relay, httpPort: null, visibleDataDir: visibleDataDir(relay.pid) };
  } catch (error) {
    removeMountPoint();
    throw error;
  }
}
