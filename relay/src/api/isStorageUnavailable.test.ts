import { describe, expect, it } from 'vitest';
import { isStorageLocked, isStorageUnavailable } from './isStorageUnavailable.js';

const sqliteError = (code: string) => Object.assign(new Error('database problem'), { code });

describe('isStorageUnavailable', () => {
  it('recognises a full disk, a held lock and refused I/O, directly or as a cause', () => {
    for (const code of [
      'SQLITE_FULL',
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_IOERR_WRITE',
    ]) {
      expect(isStorageUnavailable(sqliteError(code)), code).toBe(true);
    }
    expect(isStorageUnavailable(new Error('wrapped', { cause: sqliteError('SQLITE_FULL') }))).toBe(
      true,
    );
  });

  it('recognises the failed ROLLBACK that hides a full disk inside a transaction (found on tmpfs)', () => {
    const rollback = Object.assign(new Error('cannot rollback - no transaction is active'), {
      code: 'SQLITE_ERROR',
    });
    expect(isStorageUnavailable(rollback)).toBe(true);
    expect(isStorageUnavailable(sqliteError('SQLITE_ERROR'))).toBe(false);
  });

  it('recognises PostgreSQL out of disk or connections, restarting, out of reach or still conflicting', () => {
    for (const code of ['53100', '53300', '57P01', '57P03', '08006', '40001', 'ECONNREFUSED']) {
      expect(isStorageUnavailable(sqliteError(code)), code).toBe(true);
    }
    expect(isStorageUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    // A unique violation or a syntax error is a bug or a conflict to answer, not an outage.
    for (const code of ['23505', '42601', '22P02']) {
      expect(isStorageUnavailable(sqliteError(code)), code).toBe(false);
    }
  });

  it('leaves every other error to be answered as internal', () => {
    for (const error of [
      sqliteError('SQLITE_CONSTRAINT_UNIQUE'),
      sqliteError('SQLITE_FULLX'),
      new TypeError('bug'),
      'text',
      null,
    ]) {
      expect(isStorageUnavailable(error)).toBe(false);
    }
  });
});

describe('isStorageLocked', () => {
  it('tells a lock held by another process from a full disk or failed I/O', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED']) {
      expect(isStorageLocked(sqliteError(code)), code).toBe(true);
    }
    expect(isStorageLocked(new Error('wrapped', { cause: sqliteError('SQLITE_BUSY') }))).toBe(true);
    for (const error of [
      sqliteError('SQLITE_FULL'),
      sqliteError('SQLITE_IOERR_WRITE'),
      sqliteError('SQLITE_BUSYX'),
      new TypeError('bug'),
      null,
    ]) {
      expect(isStorageLocked(error)).toBe(false);
    }
  });

  it('takes a PostgreSQL conflict or restart as a wait, and its full disk as a refusal', () => {
    for (const code of ['40001', '40P01', '55P03', '57P01', '08006', '53300', 'ECONNREFUSED']) {
      expect(isStorageLocked(sqliteError(code)), code).toBe(true);
    }
    expect(isStorageLocked(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['53100', '23503', '23505', '42601']) {
      expect(isStorageLocked(sqliteError(code)), code).toBe(false);
    }
  });
});
