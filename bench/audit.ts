/**
 * Audit log benchmark: durable appends per second under group commit and `verify` events per
 * second, each beside a baseline measured in the same run on the same machine, interleaved
 * (A B A B …) so that load from elsewhere hits both alike. Run: npm run bench:audit [-- --smoke]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditReader } from '../relay/src/audit/createAuditReader.js';
import { recordSecurityEvent } from '../relay/src/audit/recordSecurityEvent.js';
import { verifyAuditLog } from '../relay/src/audit/verifyAuditLog.js';
import { openDatabase, type OpenDatabase } from '../relay/src/db/openDatabase.js';

const SMOKE = process.argv.includes('--smoke');
const ROUNDS = SMOKE ? 2 : 7;
const APPENDS_PER_ROUND = SMOKE ? 500 : 5000;
/** Events per transaction: what a busy relay's concurrent actions share in one commit. */
const BATCH = 100;
// 1M events is the goal's size too, but building it through the relay's append path takes minutes at
// today's append rate; it joins once appends are fast (see BENCHMARKS.md).
const VERIFY_SIZES = SMOKE ? [5000] : [100_000];

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

function freshDatabase(): Promise<{ dir: string; database: OpenDatabase }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-audit-'));
  return openDatabase(dir).then((database) => ({ dir, database }));
}

const event = (i: number) => ({
  type: 'authn_login_success' as const,
  outcome: 'success' as const,
  actorAccountId: `account-${i % 1000}`,
  target: `passkey-${i % 1000}`,
  client: 'k2Vh3pQ8s0mJx7cZ1bN4aA',
  userAgent: 'Chrome on Android',
  details: { n: i },
});

/** Candidate: the relay's own append, N events per transaction, synchronous=FULL. */
async function appendsPerSecond(
  database: OpenDatabase,
  count: number,
  offset: number,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    await database.db.transaction().execute(async (trx) => {
      for (let j = i; j < Math.min(count, i + BATCH); j++)
        await recordSecurityEvent(trx, event(offset + j));
    });
  }
  return count / ((performance.now() - started) / 1000);
}

/** Baseline: a raw better-sqlite3 insert of the same row shape, same batching and durability. */
function rawInsertsPerSecond(database: OpenDatabase, count: number): number {
  database.sqlite.exec(
    'CREATE TABLE IF NOT EXISTS bench_rows (seq INTEGER PRIMARY KEY, at TEXT, type TEXT, outcome TEXT, actor TEXT, target TEXT, client TEXT, ua TEXT, details TEXT, hash BLOB)',
  );
  const insert = database.sqlite.prepare(
    'INSERT INTO bench_rows (at, type, outcome, actor, target, client, ua, details, hash) VALUES (?,?,?,?,?,?,?,?,?)',
  );
  const batch = database.sqlite.transaction((from: number, to: number) => {
    for (let j = from; j < to; j++) {
      const e = event(j);
      insert.run(
        new Date().toISOString(),
        e.type,
        e.outcome,
        e.actorAccountId,
        e.target,
        e.client,
        e.userAgent,
        JSON.stringify(e.details),
        Buffer.alloc(32),
      );
    }
  });
  const started = performance.now();
  for (let i = 0; i < count; i += BATCH) batch(i, Math.min(count, i + BATCH));
  return count / ((performance.now() - started) / 1000);
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  goal: string;
  met: boolean;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];

  // Appends: A B A B on two databases of equal age.
  const candidate = await freshDatabase();
  const baseline = await freshDatabase();
  const appendRates: number[] = [];
  const rawRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    appendRates.push(
      await appendsPerSecond(candidate.database, APPENDS_PER_ROUND, round * APPENDS_PER_ROUND),
    );
    rawRates.push(rawInsertsPerSecond(baseline.database, APPENDS_PER_ROUND));
  }
  const appends = median(appendRates);
  figures.push({
    name: 'audit.appends_per_s',
    value: appends,
    unit: 'events/s',
    baseline: 'sqlite.raw_inserts_per_s',
    baselineValue: median(rawRates),
    goal: '>= 20000',
    met: appends >= 20_000,
  });
  await candidate.database.close();
  await baseline.database.close();
  fs.rmSync(candidate.dir, { recursive: true, force: true });
  fs.rmSync(baseline.dir, { recursive: true, force: true });

  // Verify: build a log of each size, then verify it and hash the same rows bare, A B A B.
  for (const size of VERIFY_SIZES) {
    const { dir, database } = await freshDatabase();
    for (let i = 0; i < size; i += 10_000)
      await appendsPerSecond(database, Math.min(10_000, size - i), i);
    const verifyRates: number[] = [];
    const hashRates: number[] = [];
    const rounds = size >= 1_000_000 ? 3 : ROUNDS;
    for (let round = 0; round < rounds; round++) {
      let started = performance.now();
      const result = await verifyAuditLog(database.sqlite, { origin: 'bench', verifiers: [] });
      if (result.problem !== null || result.events !== size)
        throw new Error(`verify failed: ${JSON.stringify(result)}`);
      verifyRates.push(size / ((performance.now() - started) / 1000));
      started = performance.now();
      let rows = 0;
      for (const row of createAuditReader(database.sqlite).iterate()) {
        createHash('sha256').update(row.details).update(row.type).digest();
        rows += 1;
      }
      hashRates.push(rows / ((performance.now() - started) / 1000));
    }
    const rate = median(verifyRates);
    const proofBytes =
      createAuditReader(database.sqlite).inclusion(Math.ceil(size / 2), size).length * 32;
    figures.push({
      name:
        size === 100_000 || SMOKE
          ? 'audit.verify_events_per_s'
          : `audit.verify_events_per_s_at_${size}`,
      value: rate,
      unit: `events/s at ${size}`,
      baseline: 'sha256.rows_per_s',
      baselineValue: median(hashRates),
      goal: '>= 200000',
      met: rate >= 200_000,
    });
    figures.push({
      name: `audit.inclusion_proof_bytes_at_${size}`,
      value: proofBytes,
      unit: 'bytes',
      baseline: 'log2(size) hashes',
      baselineValue: Math.ceil(Math.log2(size)) * 32,
      goal: `<= ${Math.ceil(Math.log2(size)) * 32}`,
      met: proofBytes <= Math.ceil(Math.log2(size)) * 32,
    });
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `audit log, ${ROUNDS} interleaved rounds${SMOKE ? ' (smoke: checks the harness, measures nothing)' : ''}`,
  );
  console.log(
    'figure'.padEnd(40) +
      'value'.padStart(14) +
      '   baseline'.padEnd(30) +
      'ratio'.padStart(8) +
      '  goal',
  );
  for (const f of figures) {
    const ratio = f.baselineValue === 0 ? 0 : f.value / f.baselineValue;
    console.log(
      f.name.padEnd(40) +
        `${Math.round(f.value)} ${f.unit.split(' ')[0] ?? ''}`.padStart(14) +
        `   ${f.baseline} ${Math.round(f.baselineValue)}`.padEnd(30) +
        `${ratio.toFixed(2)}×`.padStart(8) +
        `  ${f.goal}: ${SMOKE ? 'not judged (smoke)' : f.met ? 'met' : 'NOT MET'}`,
    );
  }
}

await main();
