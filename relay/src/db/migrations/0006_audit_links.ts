import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * Links over pruned audit history: for every signed checkpoint size m that a pruning to size P
 * leaves behind (m < P), the RFC 9162 consistency proof from m to P, computed before the events
 * were deleted. A device that remembers a checkpoint older than the pruning still gets a proof
 * that today's log extends it: m to P through the link, then P onwards from the kept tree.
 */
export const auditLinks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('audit_links')
      .addColumn('from_size', types.integer, (col) => col.primaryKey())
      .addColumn('to_size', types.integer, (col) => col.notNull())
      .addColumn('proof', types.bytes, (col) => col.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_links').execute();
  },
};
