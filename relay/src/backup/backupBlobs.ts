import fs from 'node:fs';
import path from 'node:path';
import type SQLite from 'better-sqlite3';

/** The directory beside a backup file that holds its file blobs: `<backup>.blobs/`. */
export function blobsBeside(backupFile: string): string {
  return `${backupFile}.blobs`;
}

/** `<data>/blobs`, as the blob store names it (relay/src/blobs/blobFiles.ts). */
const BLOB_DIR = 'blobs';
const BLOB_ID = /^[A-Za-z0-9_-]{43}$/;

function syncDirectory(dir: string): void {
  const handle = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}

function copyDurably(from: string, to: string): void {
  fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
  fs.chmodSync(to, 0o600);
  const handle = fs.openSync(to, 'r');
  try {
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}

/**
 * Copies the finished blobs that the database copy names into `<partial>.blobs/` (made only when
 * there is one), and makes the
 * copy agree with them: rows of unfinished uploads are dropped (their bytes are not worth a
 * backup, and a restored row with no file would take a PATCH at an offset whose bytes are gone),
 * and so are rows whose file a sweep removed since the snapshot. Blob rows are not in the audit
 * log, so this changes nothing the restore verifies. Returns the count and bytes copied.
 */
export function backupBlobs(
  copy: SQLite.Database,
  dataDir: string,
  partialBlobDir: string,
): { blobs: number; bytes: number } {
  copy.prepare('DELETE FROM blobs WHERE completed_at IS NULL').run();
  const rows = copy
    .prepare<[], { id: string; length: number }>('SELECT id, length FROM blobs')
    .all();
  const drop = copy.prepare<[string]>('DELETE FROM blobs WHERE id = ?');
  let blobs = 0;
  let bytes = 0;
  for (const { id, length } of rows) {
    const source = path.join(dataDir, BLOB_DIR, id);
    if (!BLOB_ID.test(id) || !fs.existsSync(source)) {
      drop.run(id);
      continue;
    }
    // Made for the first blob only: a relay without files keeps its one-file backups.
    if (blobs === 0) fs.mkdirSync(partialBlobDir, { mode: 0o700 });
    copyDurably(source, path.join(partialBlobDir, id));
    blobs++;
    bytes += length;
  }
  if (blobs > 0) syncDirectory(partialBlobDir);
  return { blobs, bytes };
}

/**
 * Puts a backup's blobs in place beside the restored database (`incoming`, not yet live): each row
 * whose file the backup has gets it; a row whose file is missing (a backup copied without its
 * `.blobs/` directory) is dropped, so no download meets a row without bytes. Blobs of the replaced
 * database that the restored one does not name are left for the relay's sweep to remove.
 */
export function restoreBlobs(
  incoming: SQLite.Database,
  backupFile: string,
  dataDir: string,
): number {
  // A backup made before file blobs existed has no table; the relay's migration adds it.
  const hasTable = incoming
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blobs'")
    .get();
  if (hasTable === undefined) return 0;
  const from = blobsBeside(backupFile);
  const to = path.join(dataDir, BLOB_DIR);
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  const rows = incoming.prepare<[], { id: string }>('SELECT id FROM blobs').all();
  const drop = incoming.prepare<[string]>('DELETE FROM blobs WHERE id = ?');
  let restored = 0;
  for (const { id } of rows) {
    const source = path.join(from, id);
    if (!BLOB_ID.test(id) || !fs.existsSync(source)) {
      drop.run(id);
      continue;
    }
    const target = path.join(to, id);
    fs.rmSync(target, { force: true });
    copyDurably(source, target);
    restored++;
  }
  syncDirectory(to);
  return restored;
}
