import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseVerifierKey,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import { edgePositions } from './auditEdge.js';
import { loadOrCreateAuditLogKey, type AuditLogKey } from './auditLogKey.js';
import { createAuditReader, type AuditReader } from './createAuditReader.js';
import { createCheckpointer } from './createCheckpointer.js';
import { pruneAuditLog } from './pruneAuditLog.js';
import { recordSecurityEvent } from './recordSecurityEvent.js';
import { sqliteAuditWalk } from './sqliteAuditWalk.js';
import { verifyAuditLog } from './verifyAuditLog.js';

const ORIGIN = 'relay.test/vaultroom-audit/000000000000';
const START = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;
/** Event `seq` happened `seq` minutes after START. */
const timeOf = (seq: number) => new Date(START + seq * MINUTE);
const hex = (hashes: Uint8Array[]) => hashes.map((hash) => Buffer.from(hash).toString('hex'));

describe('edgePositions', () => {
  it('names one complete subtree per set bit of the size, largest first', () => {
    expect(edgePositions(0)).toEqual([]);
    expect(edgePositions(1)).toEqual([{ level: 0, idx: 0 }]);
    expect(edgePositions(8)).toEqual([{ level: 3, idx: 0 }]);
    expect(edgePositions(13)).toEqual([
      { level: 3, idx: 0 },
      { level: 2, idx: 2 },
      { level: 0, idx: 12 },
    ]);
    expect(edgePositions(2 ** 40 + 1)).toEqual([
      { level: 40, idx: 0 },
      { level: 0, idx: 2 ** 40 },
    ]);
  });
});

/** The write store and the verify walk of one SQLite database, as pruning takes them. */
const logOf = (database: OpenDatabase) => ({
  writes: database.writes,
  walk: sqliteAuditWalk(database.sqlite),
});

describe('pruning the audit log', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let key: AuditLogKey;
  let reader: AuditReader;

  async function append(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const seq = (await reader.size()) + 1;
      await recordSecurityEvent(
        database.writes,
        { type: 'session_created', outcome: 'success', target: `s${seq}` },
        timeOf(seq),
      );
    }
  }

  async function sign(): Promise<void> {
    await createCheckpointer({
      writes: database.writes,
      reader,
      key,
      origin: ORIGIN,
      policy: { everyEvents: 1, everySeconds: 1 },
    }).maybeCheckpoint(true);
  }

  const verify = () =>
    verifyAuditLog(sqliteAuditWalk(database.sqlite), {
      origin: ORIGIN,
      verifiers: [parseVerifierKey(key.verifierKey)],
    });

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-prune-'));
    database = await openDatabase(dataDir);
    key = await loadOrCreateAuditLogKey(dataDir, ORIGIN);
    reader = createAuditReader(database.db);
    await sodium.ready;
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([1, 2, 5, 8, 13, 16, 21, 29])(
    'at size %i keeps every root and proof of the remaining events, and still verifies',
    async (prunedSize) => {
      await append(10);
      await sign();
      await append(19);
      await sign(); // the latest checkpoint covers 29 events
      const size = await reader.size();
      const roots = new Map<number, string[]>();
      const proofs = new Map<string, string[]>();
      for (let n = prunedSize; n <= size; n++) {
        roots.set(n, hex([await reader.root(n)]));
        for (let seq = prunedSize + 1; seq <= n; seq++) {
          proofs.set(`i${seq}/${n}`, hex(await reader.inclusion(seq, n)));
        }
        for (let m = prunedSize; m <= n; m++) {
          proofs.set(`c${m}/${n}`, hex(await reader.consistency(m, n)));
        }
      }

      const result = await pruneAuditLog(logOf(database), {
        before: timeOf(prunedSize + 1),
        key,
        origin: ORIGIN,
        now: timeOf(100),
      });
      expect(result).toMatchObject({ prunedSize, removed: prunedSize, recordedIn: size + 1 });

      for (let n = prunedSize; n <= size; n++) {
        expect(hex([await reader.root(n)])).toEqual(roots.get(n));
        for (let seq = prunedSize + 1; seq <= n; seq++) {
          expect(hex(await reader.inclusion(seq, n))).toEqual(proofs.get(`i${seq}/${n}`));
        }
        for (let m = prunedSize; m <= n; m++) {
          expect(hex(await reader.consistency(m, n))).toEqual(proofs.get(`c${m}/${n}`));
        }
      }
      if (prunedSize > 1) await expect(reader.inclusion(1, size)).rejects.toThrow(/pruned/);

      // The checkpoint recording the pruning proves the audit_pruned event.
      const latest = await reader.latestCheckpoint();
      const checkpoint = verifyCheckpoint(
        latest?.note ?? '',
        { origin: ORIGIN, verifiers: [parseVerifierKey(key.verifierKey)] },
        sodium,
      );
      expect(checkpoint.extensions).toEqual([`pruned ${prunedSize} ${timeOf(100).toISOString()}`]);
      const pruneEvent = database.sqlite
        .prepare<[number], { type: string; leaf_hash: Buffer }>(
          'SELECT type, leaf_hash FROM audit_events WHERE seq = ?',
        )
        .get(size + 1);
      expect(pruneEvent?.type).toBe('audit_pruned');
      verifyInclusion(
        pruneEvent?.leaf_hash ?? new Uint8Array(),
        size,
        size + 1,
        await reader.inclusion(size + 1, size + 1),
        checkpoint.rootHash,
      );

      expect(await verify()).toEqual({
        events: size + 1,
        // at 10 and 29 by the relay, at P by the pruning unless one was there, at 30 recording it
        checkpoints: prunedSize === 10 || prunedSize === 29 ? 3 : 4,
        pruned: { size: prunedSize, at: timeOf(100).toISOString() },
        signatureOnly: prunedSize > 10 ? 1 : 0,
        unlinked: 0,
        problem: null,
      });

      // Appends after the pruning close subtrees over the kept edge; they still verify.
      await append(37);
      await sign();
      expect((await verify()).problem).toBeNull();
    },
  );

  it('never prunes past the latest signed checkpoint, and prunes again later', async () => {
    await append(12);
    await sign();
    await append(5); // 13–17 are not signed
    const first = await pruneAuditLog(logOf(database), {
      before: timeOf(1000),
      key,
      origin: ORIGIN,
      now: timeOf(18),
    });
    expect(first).toMatchObject({ prunedSize: 12, removed: 12, keptUnsigned: 5, recordedIn: 18 });
    const nothing = await pruneAuditLog(logOf(database), {
      before: timeOf(5),
      key,
      origin: ORIGIN,
    });
    expect(nothing).toMatchObject({ prunedSize: 12, removed: 0, recordedIn: null });

    await append(20);
    await sign();
    const second = await pruneAuditLog(logOf(database), {
      before: timeOf(31),
      key,
      origin: ORIGIN,
      now: timeOf(300),
    });
    expect(second).toMatchObject({ prunedSize: 30, removed: 18, keptUnsigned: 0 });
    const verification = await verify();
    expect(verification.problem).toBeNull();
    expect(verification.pruned).toEqual({ size: 30, at: timeOf(300).toISOString() });
    expect(
      database.sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq <= 30').get(),
    ).toEqual({ n: 0 });
  });

  it('keeps a consistency proof from every older signed size, across prunings', async () => {
    const roots = new Map<number, Uint8Array>();
    const signAt = async () => {
      await sign();
      const size = await reader.size();
      roots.set(size, await reader.root(size));
    };
    await append(3);
    await signAt();
    await append(4);
    await signAt();
    await append(5);
    await signAt(); // signed at 3, 7 and 12
    const first = await pruneAuditLog(logOf(database), {
      before: timeOf(10),
      key,
      origin: ORIGIN,
      now: timeOf(13),
    });
    expect(first).toMatchObject({ prunedSize: 9, recordedIn: 13 });
    roots.set(9, await reader.root(9));
    roots.set(13, await reader.root(13));
    await append(10);
    await signAt(); // 23
    const second = await pruneAuditLog(logOf(database), {
      before: timeOf(20),
      key,
      origin: ORIGIN,
      now: timeOf(24),
    });
    expect(second).toMatchObject({ prunedSize: 19, recordedIn: 24 });
    const current = await reader.root(24);

    // A device that remembers any signed size is shown, step by step, that today's tree extends it.
    for (const [size, root] of roots) {
      const steps = await reader.linksFrom(size);
      if (steps === null) throw new Error(`no link from ${size}`);
      expect(steps.map((step) => step.size)).toEqual(size < 9 ? [9, 19] : size < 19 ? [19] : []);
      let from = size;
      let fromRoot = root;
      for (const step of steps) {
        verifyConsistency(from, step.size, step.proof, fromRoot, step.rootHash);
        from = step.size;
        fromRoot = step.rootHash;
      }
      verifyConsistency(from, 24, await reader.consistency(from, 24), fromRoot, current);
    }
    expect(await reader.linksFrom(5)).toBeNull(); // never signed, so never remembered
    expect(await verify()).toMatchObject({ problem: null, unlinked: 0, signatureOnly: 5 });

    // verify checks every kept proof against the signed roots.
    database.sqlite
      .prepare('UPDATE audit_links SET proof = zeroblob(length(proof)) WHERE from_size = 7')
      .run();
    expect((await verify()).problem?.message).toBe(
      'the kept consistency proof from size 7 to the pruned size 9 does not verify against the stored checkpoint at size 7: it was altered',
    );
    database.sqlite.prepare('DELETE FROM audit_links WHERE from_size = 7').run();
    expect(await verify()).toMatchObject({ problem: null, unlinked: 1 });
    expect(await reader.linksFrom(7)).toBeNull();
  });

  it('refuses to prune a log that does not verify, and changes nothing', async () => {
    await append(8);
    await sign();
    database.sqlite.prepare("UPDATE audit_events SET outcome = 'failure' WHERE seq = 3").run();
    await expect(
      pruneAuditLog(logOf(database), { before: timeOf(6), key, origin: ORIGIN }),
    ).rejects.toMatchObject({ code: 'AUDIT_LOG_INVALID' });
    expect(await reader.prunedSize()).toBe(0);
    expect(await reader.size()).toBe(8);
  });

  it('refuses to prune before anything was signed', async () => {
    await append(3);
    await expect(
      pruneAuditLog(logOf(database), { before: timeOf(3), key, origin: ORIGIN }),
    ).rejects.toMatchObject({ code: 'AUDIT_NOT_SIGNED' });
  });
});
