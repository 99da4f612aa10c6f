import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWriteAheadLog, inspectWriteAheadLog } from './checkWriteAheadLog.js';

const ROWS = 10;

/** A database whose ten committed inserts live only in its WAL: the writer was killed. */
function killedWriter(dir: string): string {
  const file = path.join(dir, 'relay.db');
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(file)});
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < ${ROWS}; i++) db.prepare('INSERT INTO t (v) VALUES (?)').run('x'.repeat(3000));
    process.kill(process.pid, 'SIGKILL');`;
  spawnSync(process.execPath, ['-e', script]);
  return file;
}

const rows = (file: string) => {
  const db = new Database(file);
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('checkWriteAheadLog', () => {
  let dir: string;
  let pristine: Buffer;
  let file: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-wal-'));
    file = killedWriter(dir);
    pristine = fs.readFileSync(`${file}-wal`);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const withWal = (bytes: Uint8Array) => {
    const copy = fs.mkdtempSync(path.join(dir, 'case-'));
    fs.copyFileSync(file, path.join(copy, 'relay.db'));
    fs.writeFileSync(path.join(copy, 'relay.db-wal'), bytes);
    return path.join(copy, 'relay.db');
  };

  it('accepts an intact log, and one whose last transaction was torn by a crash', () => {
    expect(inspectWriteAheadLog(pristine)).toMatchObject({ problem: null });
    const torn = pristine.subarray(0, pristine.length - 1000);
    expect(inspectWriteAheadLog(torn).problem).toBeNull();
    expect(() => {
      checkWriteAheadLog(withWal(pristine));
    }).not.toThrow();
  });

  it('refuses a damaged frame that SQLite would silently stop at, losing later commits', () => {
    const damaged = Buffer.from(pristine);
    const at = 32 + 4 * (24 + 4096) + 100;
    damaged.writeUInt8((damaged.readUInt8(at) ^ 0xff) & 0xff, at);
    const damagedFile = withWal(damaged);
    expect(() => {
      checkWriteAheadLog(damagedFile);
    }).toThrow(/relay\.db-wal is damaged: frame \d+ of \d+ is damaged.*committed transaction/);
    // What the check prevents: SQLite opens it without a word and most rows are gone.
    expect(rows(damagedFile)).toBeLessThan(ROWS);
    expect(rows(withWal(pristine))).toBe(ROWS);
  });

  it('accepts damage inside the last transaction only: a write torn by a power cut, never acked', () => {
    const frameBytes = 24 + 4096;
    const frames = Math.floor((pristine.length - 32) / frameBytes);
    const damaged = Buffer.from(pristine);
    const at = 32 + (frames - 1) * frameBytes + 24 + 100;
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0xff, at);
    expect(inspectWriteAheadLog(damaged).problem).toBeNull();
  });

  it('refuses a damaged header, behind which SQLite would ignore the whole log', () => {
    const damaged = Buffer.from(pristine);
    damaged.writeUInt8(damaged.readUInt8(12) ^ 0x01, 12);
    expect(() => {
      checkWriteAheadLog(withWal(damaged));
    }).toThrow(/header is damaged/);
  });

  it('never throws while inspecting arbitrary or mutated logs (property)', () => {
    const mutated = fc
      .tuple(fc.nat(), fc.nat(255), fc.nat(pristine.length))
      .map(([at, value, cut]) => {
        const copy = Buffer.from(pristine.subarray(0, Math.max(cut, 1)));
        copy[at % copy.length] = value;
        return new Uint8Array(copy);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 })), (bytes) => {
        const report = inspectWriteAheadLog(bytes);
        return report.validFrames <= report.frames;
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });
});
