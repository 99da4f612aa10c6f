import fs from 'node:fs';
import path from 'node:path';
import { isBlobId } from '@vaultroom/shared';

/** The directory under the data directory that holds blob files. */
export const BLOB_DIR = 'blobs';

/** Creates `<data>/blobs` owner-only, like the rest of the data directory. */
export function ensureBlobDir(dataDir: string): string {
  const dir = path.join(dataDir, BLOB_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The file of a blob. The id is checked against the 43-character base64url alphabet here, at the
 * one place a path is built, so no other spelling (dots, slashes, encoded or not) can ever reach
 * the file system; callers have refused it earlier with the same 404 as an unknown id.
 */
export function blobPath(dir: string, id: string): string {
  if (!isBlobId(id)) throw new Error('not a blob id');
  return path.join(dir, id);
}

/**
 * Whether this relay's disk holds the first `bytes` bytes of a blob. Relays sharing a database
 * must share `blobs/` too (ops/README); one that does not finds the file missing or short, and
 * must say so rather than serve or extend a file of zeros.
 */
export function holdsBlobBytes(dir: string, id: string, bytes: number): boolean {
  if (bytes === 0) return true;
  try {
    return fs.statSync(blobPath(dir, id)).size >= bytes;
  } catch {
    return false;
  }
}

/** Removes a blob's file; a file already gone is fine (a sweep and a DELETE may race). */
export function removeBlobFile(dir: string, id: string): void {
  fs.rmSync(blobPath(dir, id), { force: true });
}

/** Blob files on disk (names of the id alphabet only; anything else is not ours to touch). */
export function listBlobFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => isBlobId(name));
}

/** fsync as a promise: the offset is acknowledged only once the bytes are on disk. */
export function fsyncFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fsync(fd, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/** True for the errors of a full disk or quota on the file system. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
