import fs from 'node:fs';
import { StartupError } from '../lifecycle/StartupError.js';

/** What a look at a write-ahead log found; `null` problem means SQLite will read all of it. */
export interface WalReport {
  readonly frames: number;
  readonly validFrames: number;
  readonly problem: string | null;
}

const HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
const MAGIC_LITTLE_ENDIAN = 0x377f0682;
const MAGIC_BIG_ENDIAN = 0x377f0683;

/** SQLite's WAL checksum (sqlite.org/fileformat2.html §4.1), continued from `s0`, `s1`. */
function checksum(
  bytes: Uint8Array,
  bigEndian: boolean,
  start: readonly [number, number],
): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let [s0, s1] = start;
  for (let i = 0; i + 8 <= bytes.byteLength; i += 8) {
    s0 = (s0 + view.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Reads a write-ahead log the way SQLite recovers it, to find what SQLite would silently drop.
 * SQLite stops at the first frame whose checksum fails and ignores the rest, and ignores the
 * whole log when its header is damaged, with no error: a bit flip in an early frame would quietly
 * lose every transaction after it. A committed transaction after the break, or frames behind a
 * damaged header, are reported; a torn last transaction (a crash during a write that was never
 * acknowledged) is normal and is not. A log cut cleanly at a transaction boundary cannot be told
 * from a shorter one, by SQLite or by this.
 */
export function inspectWriteAheadLog(bytes: Uint8Array): WalReport {
  if (bytes.byteLength === 0) return { frames: 0, validFrames: 0, problem: null };
  if (bytes.byteLength < HEADER_BYTES) {
    return { frames: 0, validFrames: 0, problem: 'the log is shorter than its header' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const pageSize = view.getUint32(8);
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  const frames = Math.floor((bytes.byteLength - HEADER_BYTES) / frameBytes);
  const bigEndian = magic === MAGIC_BIG_ENDIAN;
  const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
  let sum = checksum(bytes.subarray(0, 24), bigEndian, [0, 0]);
  if (
    (magic !== MAGIC_LITTLE_ENDIAN && !bigEndian) ||
    !validPageSize ||
    sum[0] !== view.getUint32(24) ||
    sum[1] !== view.getUint32(28)
  ) {
    return {
      frames,
      validFrames: 0,
      problem: `its header is damaged, so SQLite would ignore all ${bytes.byteLength - HEADER_BYTES} bytes of it`,
    };
  }
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  let validFrames = 0;
  for (; validFrames < frames; validFrames++) {
    const at = HEADER_BYTES + validFrames * frameBytes;
    if (view.getUint32(at + 8) !== salt1 || view.getUint32(at + 12) !== salt2) break;
    sum = checksum(bytes.subarray(at, at + 8), bigEndian, sum);
    sum = checksum(bytes.subarray(at + FRAME_HEADER_BYTES, at + frameBytes), bigEndian, sum);
    if (sum[0] !== view.getUint32(at + 16) || sum[1] !== view.getUint32(at + 20)) break;
  }
  // Frames of this log generation past the break that end a transaction. The first may end the
  // very transaction the break is in: a write torn by a power cut, never acknowledged, since the
  // disk may have kept its frames out of order. Any later one was written only after that
  // transaction was synced, so it is committed data that SQLite would drop.
  let commitsAfterBreak = 0;
  for (let index = validFrames; index < frames; index++) {
    const at = HEADER_BYTES + index * frameBytes;
    const current = view.getUint32(at + 8) === salt1 && view.getUint32(at + 12) === salt2;
    if (current && view.getUint32(at + 4) !== 0) commitsAfterBreak += 1;
  }
  const lostCommits = Math.max(0, commitsAfterBreak - 1);
  return {
    frames,
    validFrames,
    problem:
      lostCommits === 0
        ? null
        : `frame ${validFrames + 1} of ${frames} is damaged, and SQLite would silently drop the ` +
          `${lostCommits} committed transaction(s) after it`,
  };
}

/**
 * Refuses to open a database whose write-ahead log SQLite would read only in part, before SQLite
 * touches it (its next write would overwrite the evidence). The operator decides: restore a
 * backup, or move the log aside to accept the loss.
 */
export function checkWriteAheadLog(databaseFile: string): void {
  const walFile = `${databaseFile}-wal`;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(walFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StartupError('DATABASE_UNUSABLE', `cannot read the database log ${walFile}`, {
      cause: error,
    });
  }
  const report = inspectWriteAheadLog(bytes);
  if (report.problem !== null) {
    throw new StartupError(
      'DATABASE_UNUSABLE',
      `the database log ${walFile} is damaged: ${report.problem}; restore the data directory ` +
        'from a backup, or move that file aside to start with what the database file holds',
    );
  }
}
