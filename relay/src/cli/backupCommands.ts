import fs from 'node:fs';
import { Command, Option } from 'commander';
import { auditKeyPaths } from '../audit/auditLogKey.js';
import { backupDatabase } from '../backup/backupDatabase.js';
import { BackupError } from '../backup/BackupError.js';
import { restoreDatabase } from '../backup/restoreDatabase.js';
import { DEFAULTS } from '../config/relayConfig.js';

interface DataFlags {
  dataDir: string;
}

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'the relay data directory')
    .env('VAULTROOM_DATA_DIR')
    .default(DEFAULTS.dataDir);

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** The verifier key: given as text or a file, or the data directory's own `.pub` file. */
function verifierKey(flags: DataFlags & { key?: string }): string {
  const given = flags.key ?? auditKeyPaths(flags.dataDir).verifier;
  if (fs.existsSync(given)) return fs.readFileSync(given, 'utf8').trim();
  if (flags.key === undefined) {
    throw new BackupError(
      'AUDIT_KEY_MISSING',
      `no audit verifier key at ${given}: restore the data directory's audit/ folder first, or pass --key`,
    );
  }
  return given.trim();
}

/** `vaultroom backup <file>`: a consistent copy of the database while the relay runs. */
export function backupCommand(): Command {
  return new Command('backup')
    .description('copy the database into a new file while the relay runs (SQLite online backup)')
    .argument('<file>', 'the backup file to create; it must not exist')
    .addOption(dataDirOption())
    .action(async (file: string, flags: DataFlags) => {
      const result = await backupDatabase(flags.dataDir, file);
      say(
        `Backed up ${flags.dataDir} into ${result.file} (${result.bytes} bytes, ${result.auditEvents} audit events).`,
      );
      say(
        `File blobs: ${result.blobs} (${result.blobBytes} bytes) in ${result.file}.blobs/, part of the backup.`,
      );
      say(
        "Keep the data directory's tls/ and audit/ folders with it: they hold the CA and the audit key.",
      );
    });
}

/** `vaultroom restore <file>`: puts a backup in place after verifying its audit log. */
export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      'replace the database with a backup whose audit log verifies; the relay must be stopped',
    )
    .argument('<file>', 'the backup file')
    .addOption(dataDirOption())
    .option('--key <key>', "verifier key (text or file); default: the data directory's own")
    .option('--checkpoint <file...>', 'checkpoints kept off the machine, to refuse a rollback')
    .action(async (file: string, flags: DataFlags & { key?: string; checkpoint?: string[] }) => {
      const result = await restoreDatabase(flags.dataDir, file, {
        verifierKey: verifierKey(flags),
        external: (flags.checkpoint ?? []).map((name) => fs.readFileSync(name, 'utf8')),
      });
      say(
        `Audit log of the backup verified: ${result.audit.events} events, ${result.audit.checkpoints} signed checkpoints.`,
      );
      say(`Restored ${file} into ${flags.dataDir}, with ${result.blobs} file blobs.`);
      if (result.previous !== null) say(`The replaced database is kept as ${result.previous}.`);
    });
}
