import type { Migration, MigrationProvider } from 'kysely';
import { relayMeta } from './0001_relay_meta.js';
import { accounts } from './0002_accounts.js';
import { auditLog } from './0003_audit_log.js';
import { auditPruning } from './0004_audit_pruning.js';
import { delivery } from './0005_delivery.js';
import { auditLinks } from './0006_audit_links.js';
import { envelopeSenders } from './0007_envelope_senders.js';
import { pushSubscriptions } from './0009_push_subscriptions.js';
import { deviceTrust } from './0010_device_trust.js';
import { blobs } from './0011_blobs.js';
import { datedPrekeys } from './0012_dated_prekeys.js';
import { keyEntries } from './0013_key_entries.js';

/**
 * Every migration, in order. Listed statically rather than read from a folder so the set that
 * runs is the set that was compiled, whatever the working directory.
 */
const migrations: Record<string, Migration> = {
  '0001_relay_meta': relayMeta,
  '0002_accounts': accounts,
  '0003_audit_log': auditLog,
  '0004_audit_pruning': auditPruning,
  '0005_delivery': delivery,
  '0006_audit_links': auditLinks,
  '0007_envelope_senders': envelopeSenders,
  '0009_push_subscriptions': pushSubscriptions,
  '0010_device_trust': deviceTrust,
  '0011_blobs': blobs,
  '0012_dated_prekeys': datedPrekeys,
  '0013_key_entries': keyEntries,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
