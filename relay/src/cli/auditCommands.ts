import fs from 'node:fs';
import { Command, Option } from 'commander';
import {
  parseVerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '@vaultroom/shared/transparency';
import { loadSodium } from '../sodium/loadSodium.js';
import { auditKeyPaths, loadOrCreateAuditLogKey } from '../audit/auditLogKey.js';
import { encodeAuditLeaf } from '../audit/auditLeaf.js';
import { createAuditReader } from '../audit/createAuditReader.js';
import { pruneAuditLog } from '../audit/pruneAuditLog.js';
import { verifyAuditLog } from '../audit/verifyAuditLog.js';
import type { AuditEventsTable } from '../db/schema.js';
import { StartupError } from '../lifecycle/StartupError.js';
import { openToolDatabase, withDatabaseLocation, type ToolDatabase } from './openToolDatabase.js';

class AuditCommandError extends Error {
  readonly code = 'AUDIT_COMMAND_FAILED';
}

interface DataFlags {
  dataDir: string;
  databaseUrl?: string;
}

async function withDatabase<T>(
  flags: DataFlags,
  work: (database: ToolDatabase) => Promise<T>,
): Promise<T> {
  const database = await openToolDatabase(flags);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

async function originOf(database: ToolDatabase): Promise<string> {
  const row = await database.db
    .selectFrom('relay_meta')
    .select('value')
    .where('key', '=', 'audit_origin')
    .executeTakeFirst();
  if (row === undefined)
    throw new StartupError('DATABASE_UNUSABLE', 'this database has no audit log yet');
  return row.value;
}

/** The verifier key: given on the command line (as text or a file) or the relay's own .pub file. */
function verifierKey(flags: DataFlags & { key?: string }): string {
  const given = flags.key ?? auditKeyPaths(flags.dataDir).verifier;
  const text = fs.existsSync(given) ? fs.readFileSync(given, 'utf8') : given;
  return text.trim();
}

/** Terminal output is made inert: a row edited to hold escape sequences cannot drive the terminal. */
function inert(value: string | number | null): string {
  return String(value ?? '-').replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => `\\u{${c.codePointAt(0)?.toString(16) ?? ''}}`,
  );
}

function eventLine(row: AuditEventsTable): string {
  return [
    row.seq,
    row.at,
    row.type,
    row.outcome,
    row.actor_account_id,
    row.target,
    row.user_agent,
    row.details,
  ]
    .map(inert)
    .join('  ');
}

/**
 * One exported event: its fields, its exact leaf bytes (base64, PROTOCOL.md §3.1) and their leaf
 * hash, so another implementation can recompute the tree from the export alone.
 */
function eventJson(row: AuditEventsTable): string {
  const { leaf_hash: leafHash, ...fields } = row;
  return JSON.stringify({
    ...fields,
    details: JSON.parse(row.details) as unknown,
    leaf: Buffer.from(encodeAuditLeaf(fields)).toString('base64'),
    leafHash: Buffer.from(leafHash).toString('hex'),
  });
}

const DAY_MS = 86_400_000;

/** The time before which events are pruned, from exactly one of --before and --keep-days. */
function pruneCut(flags: { before?: string; keepDays?: string }): Date {
  if (flags.before !== undefined) {
    if (Number.isNaN(Date.parse(flags.before))) {
      throw new AuditCommandError('--before must be an ISO time such as 2026-11-25T10:00:00Z');
    }
    return new Date(flags.before);
  }
  if (flags.keepDays !== undefined) {
    const days = Number(flags.keepDays);
    if (!/^\d+$/.test(flags.keepDays) || !Number.isSafeInteger(days)) {
      throw new AuditCommandError('--keep-days must be a whole number of days, such as 90');
    }
    return new Date(Date.now() - days * DAY_MS);
  }
  throw new AuditCommandError('say which events to prune: --before <ISO time> or --keep-days <n>');
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('verify and read the tamper-evident audit log');

  withDatabaseLocation(
    audit
      .command('verify')
      .description(
        'recompute every event, the tree and every checkpoint; exit 1 at the first bad entry',
      ),
  )
    .option(
      '--key <key>',
      "verifier key (text or file) kept off the machine; default: the relay's own",
    )
    .option('--checkpoint <file...>', 'checkpoints kept off the machine, to detect a rollback')
    .action(async (flags: DataFlags & { key?: string; checkpoint?: string[] }) => {
      const result = await withDatabase(flags, async (database) =>
        verifyAuditLog(database.walk, {
          origin: await originOf(database),
          verifiers: [parseVerifierKey(verifierKey(flags))],
          external: (flags.checkpoint ?? []).map((file) => fs.readFileSync(file, 'utf8')),
        }),
      );
      if (result.problem !== null) {
        const where = result.problem.seq === null ? '' : ` at event ${result.problem.seq}`;
        throw new AuditCommandError(
          `audit log verification FAILED${where}: ${result.problem.message}`,
        );
      }
      const pruned =
        result.pruned === null
          ? ''
          : ` (1–${result.pruned.size} pruned at ${inert(result.pruned.at)})`;
      const signatureOnly =
        result.signatureOnly === 0
          ? ''
          : ` (${result.signatureOnly} from before the pruning: their events are gone, so their signatures and the consistency proofs kept to the pruned size were checked)`;
      const unlinked =
        result.unlinked === 0
          ? ''
          : ` ${result.unlinked} checkpoints from before a pruning have no kept consistency proof (pruned by an older version): a device that remembers one cannot be shown the log extends it.`;
      say(
        `Audit log verified: ${result.events} events${pruned}, ${result.checkpoints} signed checkpoints${signatureOnly}.${unlinked}`,
      );
    });

  withDatabaseLocation(
    audit
      .command('prune')
      .description(
        'delete events older than a cut, up to the latest signed checkpoint, and sign a record of it',
      ),
  )
    .addOption(
      new Option('--before <time>', 'prune events older than this ISO time').conflicts('keepDays'),
    )
    .addOption(new Option('--keep-days <n>', 'prune events older than this many days'))
    .action(async (flags: DataFlags & { before?: string; keepDays?: string }) => {
      const before = pruneCut(flags);
      // The relay's own key signs the record: refuse rather than create a new key that no
      // existing checkpoint verifies with.
      if (!fs.existsSync(auditKeyPaths(flags.dataDir).secret)) {
        throw new AuditCommandError(
          `the audit log key is not in ${flags.dataDir}: run prune with the relay's data directory`,
        );
      }
      const result = await withDatabase(flags, async (database) => {
        const origin = await originOf(database);
        const key = await loadOrCreateAuditLogKey(flags.dataDir, origin);
        return pruneAuditLog(database, { before, key, origin });
      });
      const unsigned =
        result.keptUnsigned === 0
          ? ''
          : ` ${result.keptUnsigned} older events were kept: no signed checkpoint covers them yet.`;
      if (result.recordedIn === null) {
        const state = result.prunedSize === 0 ? '' : ` (events 1–${result.prunedSize} already are)`;
        say(`Nothing to prune before ${before.toISOString()}${state}.${unsigned}`);
        return;
      }
      say(
        `Pruned ${result.removed} events (1–${result.prunedSize} are now pruned), recorded in the signed checkpoint at size ${result.recordedIn}.${unsigned}`,
      );
    });

  withDatabaseLocation(audit.command('tail').description('print the latest events'))
    .option('-n, --lines <n>', 'how many', '20')
    .option('-f, --follow', 'keep printing new events as they arrive')
    .action(async (flags: DataFlags & { lines: string; follow?: boolean }) => {
      await withDatabase(flags, async (database) => {
        const recent = await database.db
          .selectFrom('audit_events')
          .selectAll()
          .orderBy('seq', 'desc')
          .limit(Math.max(1, Number(flags.lines) || 20))
          .execute();
        let last = 0;
        for (const row of recent.reverse()) {
          say(eventLine(row));
          last = row.seq;
        }
        while (flags.follow === true) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const rows = await database.db
            .selectFrom('audit_events')
            .selectAll()
            .where('seq', '>', last)
            .orderBy('seq')
            .execute();
          for (const row of rows) {
            say(eventLine(row));
            last = row.seq;
          }
        }
      });
    });

  withDatabaseLocation(audit.command('export').description('write events as JSON Lines'))
    .option('--since <time>', 'ISO time, inclusive')
    .option('--until <time>', 'ISO time, exclusive')
    .option('--type <type>', 'only this event type')
    .option('--account <id>', 'only events done by this account')
    .action(
      async (
        flags: DataFlags & { since?: string; until?: string; type?: string; account?: string },
      ) => {
        for (const [name, value] of [
          ['--since', flags.since],
          ['--until', flags.until],
        ] as const) {
          if (value !== undefined && Number.isNaN(Date.parse(value))) {
            throw new AuditCommandError(`${name} must be an ISO time such as 2026-11-25T10:00:00Z`);
          }
        }
        await withDatabase(flags, async (database) => {
          let query = database.db.selectFrom('audit_events').selectAll().orderBy('seq');
          if (flags.since !== undefined)
            query = query.where('at', '>=', new Date(flags.since).toISOString());
          if (flags.until !== undefined)
            query = query.where('at', '<', new Date(flags.until).toISOString());
          if (flags.type !== undefined) query = query.where('type', '=', flags.type);
          if (flags.account !== undefined)
            query = query.where('actor_account_id', '=', flags.account);
          for (const row of await query.execute()) say(eventJson(row));
        });
      },
    );

  withDatabaseLocation(
    audit
      .command('checkpoint')
      .description('print the latest signed checkpoint, to keep off the machine'),
  ).action(async (flags: DataFlags) => {
    await withDatabase(flags, async (database) => {
      const latest = await createAuditReader(database.db).latestCheckpoint();
      if (latest === null) throw new AuditCommandError('no checkpoint has been signed yet');
      process.stdout.write(latest.note);
      say('');
      say(`Verifier key: ${verifierKey(flags)}`);
    });
  });

  withDatabaseLocation(
    audit
      .command('prove')
      .description('print the inclusion proof of one event against the latest checkpoint')
      .argument('<seq>', 'the event number'),
  ).action(async (seqText: string, flags: DataFlags) => {
    const seq = Number(seqText);
    await withDatabase(flags, async (database) => {
      const sodium = await loadSodium();
      const reader = createAuditReader(database.db);
      const latest = await reader.latestCheckpoint();
      if (latest === null) throw new AuditCommandError('no checkpoint has been signed yet');
      const pruned = await reader.latestPruning();
      if (pruned !== null && Number.isInteger(seq) && seq >= 1 && seq <= pruned.tree_size) {
        throw new AuditCommandError(
          `event ${seq} was pruned at ${inert(pruned.pruned_at)} (events 1–${pruned.tree_size})`,
        );
      }
      if (!Number.isInteger(seq) || seq < 1 || seq > latest.tree_size) {
        throw new AuditCommandError(
          `event ${seqText} is not covered by the latest checkpoint (size ${latest.tree_size})`,
        );
      }
      const checkpoint = verifyCheckpoint(
        latest.note,
        { origin: await originOf(database), verifiers: [parseVerifierKey(verifierKey(flags))] },
        sodium,
      );
      const row = await database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow();
      const proof = await reader.inclusion(seq, checkpoint.size);
      verifyInclusion(row.leaf_hash, seq - 1, checkpoint.size, proof, checkpoint.rootHash);
      say(
        JSON.stringify(
          {
            event: JSON.parse(eventJson(row)) as unknown,
            treeSize: checkpoint.size,
            index: seq - 1,
            proof: proof.map((hash) => Buffer.from(hash).toString('hex')),
            checkpoint: latest.note,
          },
          null,
          2,
        ),
      );
    });
  });

  return audit;
}
