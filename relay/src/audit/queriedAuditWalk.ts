import type { RelayDb } from '../db/schema.js';
import type { RawAuditRow } from './auditLeaf.js';
import type { AuditWalkSource } from './AuditWalkSource.js';

/** Events read per query: a page is the only thing held in memory. */
const PAGE = 4096;

const keyOf = (level: number, idx: number) => `${level}:${idx}`;

/**
 * The audit log for verifyAuditLog through Kysely, on any engine (PostgreSQL, where no rowid
 * orders audit_nodes as SQLite's does): the events a page at a time by seq, and with each page
 * the stored subtrees that close inside it, in one query by key ranges, one per level.
 */
export function queriedAuditWalk(db: RelayDb): AuditWalkSource {
  return {
    prunings: () => db.selectFrom('audit_pruning').selectAll().orderBy('tree_size').execute(),
    checkpoints: () =>
      db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size').execute(),
    links: () => db.selectFrom('audit_links').selectAll().orderBy('from_size').execute(),
    countUpTo: async (seq) => {
      const row = await db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('seq', '<=', seq)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async *batches(afterSeq) {
      let last = afterSeq;
      for (;;) {
        const events = await db
          .selectFrom('audit_events')
          .selectAll()
          .where('seq', '>', last)
          .orderBy('seq')
          .limit(PAGE)
          .execute();
        const end = events.at(-1)?.seq;
        if (end === undefined) return;
        // Subtrees (level, idx) whose last event, (idx + 1)·2^level, lies in (last, end].
        const ranges: { level: number; from: number; to: number }[] = [];
        for (let level = 1; 2 ** level <= end; level++) {
          const width = 2 ** level;
          const from = Math.floor(last / width);
          const to = Math.floor(end / width) - 1;
          if (from <= to) ranges.push({ level, from, to });
        }
        const nodes =
          ranges.length === 0
            ? []
            : await db
                .selectFrom('audit_nodes')
                .select(['level', 'idx', 'hash'])
                .where((eb) =>
                  eb.or(
                    ranges.map(({ level, from, to }) =>
                      eb.and([eb('level', '=', level), eb('idx', '>=', from), eb('idx', '<=', to)]),
                    ),
                  ),
                )
                .execute();
        const stored = new Map(nodes.map((node) => [keyOf(node.level, node.idx), node.hash]));
        const rows = events.map((event): RawAuditRow => [
          event.seq,
          event.at,
          event.type,
          event.outcome,
          event.actor_account_id,
          event.actor_device_id,
          event.target,
          event.client,
          event.user_agent,
          event.details,
          Buffer.from(event.leaf_hash),
        ]);
        yield { rows, storedNode: (level, idx) => stored.get(keyOf(level, idx)) };
        last = end;
      }
    },
  };
}
