import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * Replaces the plain security event table with the tamper-evident audit log: events are the
 * leaves of an RFC 9162 Merkle tree, with the hashes of its complete subtrees kept beside them so
 * that proofs cost O(log n), and signed checkpoints of the tree head.
 */
export const auditLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema.dropTable('security_events').execute();
    await db.schema
      .createTable('audit_events')
      .addColumn('seq', types.integer, (col) => col.primaryKey())
      .addColumn('at', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('outcome', 'text', (col) => col.notNull())
      .addColumn('actor_account_id', 'text')
      .addColumn('actor_device_id', 'text')
      .addColumn('target', 'text')
      .addColumn('client', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('details', 'text', (col) => col.notNull())
      .addColumn('leaf_hash', types.bytes, (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('audit_events_actor')
      .on('audit_events')
      .columns(['actor_account_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('audit_events_target')
      .on('audit_events')
      .columns(['target', 'seq'])
      .execute();
    await db.schema
      .createTable('audit_nodes')
      .addColumn('level', types.integer, (col) => col.notNull())
      .addColumn('idx', types.integer, (col) => col.notNull())
      .addColumn('hash', types.bytes, (col) => col.notNull())
      .addPrimaryKeyConstraint('audit_nodes_pk', ['level', 'idx'])
      .execute();
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('tree_size', types.integer, (col) => col.primaryKey())
      .addColumn('note', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['audit_checkpoints', 'audit_nodes', 'audit_events']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
