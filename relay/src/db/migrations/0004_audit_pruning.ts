import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * Retention for the audit log: a row per pruning, holding the pruned size and the hashes of the
 * tree's left edge at that size. With them the tree (its roots, proofs and the verification walk)
 * goes on from the pruned size once the events before it are deleted.
 */
export const auditPruning: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('audit_pruning')
      .addColumn('tree_size', types.integer, (col) => col.primaryKey())
      .addColumn('pruned_at', 'text', (col) => col.notNull())
      .addColumn('before', 'text', (col) => col.notNull())
      .addColumn('edge', types.bytes, (col) => col.notNull())
      .addColumn('checkpoint_size', types.integer, (col) => col.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_pruning').execute();
  },
};
