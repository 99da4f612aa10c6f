import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's Chromium, which the browser tests and the PWA benchmark drive. */
export const CHROMIUM = '/usr/bin/chromium';

/** Nothing runs in the background: no updates, syncing or network chatter during a measurement. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Sends vaultroom.local to the loopback relay, without touching the machine's resolver. */
export const HOST_RULES = '--host-resolver-rules=MAP vaultroom.local 127.0.0.1';

/**
 * A throwaway HOME whose NSS store trusts the relay's CA, the way a user would trust it.
 * Certificate errors are never ignored instead, since that would also switch off service workers
 * and installability. `prefix` names the directory, to tell test and bench profiles apart.
 */
export function createTrustingHome(caPem: string, prefix: string): string {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (see .ci/run)`);
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const nssDb = path.join(home, '.pki', 'nssdb');
  fs.mkdirSync(nssDb, { recursive: true });
  const caFile = path.join(home, 'ca.pem');
  fs.writeFileSync(caFile, caPem);
  execFileSync('certutil', ['-d', `sql:${nssDb}`, '-N', '--empty-password']);
  execFileSync('certutil', [
    '-d',
    `sql:${nssDb}`,
    '-A',
    '-t',
    'C,,',
    '-n',
    'VaultRoom test CA',
    '-i',
    caFile,
  ]);
  return home;
}
