import type { RelayConfig } from '../config/relayConfig.js';
import type { RelayStorage } from '../lifecycle/RelayStorage.js';
import { auditKeyPaths, loadOrCreateAuditLogKey, type AuditLogKey } from './auditLogKey.js';
import { auditOrigin } from './auditOrigin.js';
import { createAuditReader, type AuditReader } from './createAuditReader.js';
import { createCheckpointer, type Checkpointer } from './createCheckpointer.js';
import { pinAuditLogKey } from './pinAuditLogKey.js';

export interface AuditLog {
  readonly origin: string;
  readonly reader: AuditReader;
  readonly key: AuditLogKey;
  readonly checkpointer: Checkpointer;
}

/**
 * The audit log's parts for a relay: its origin (fixed in the database at the first start), the
 * signing key from the data directory (pinned in a database that other relays may share), the
 * reader and the checkpointer.
 */
export async function startAuditLog(
  storage: RelayStorage,
  config: Pick<
    RelayConfig,
    'dataDir' | 'hostname' | 'auditCheckpointEvents' | 'auditCheckpointSeconds'
  >,
): Promise<AuditLog> {
  const origin = await auditOrigin(storage.db, storage.writes, config.hostname);
  const reader = createAuditReader(storage.db);
  const key = await loadOrCreateAuditLogKey(config.dataDir, origin);
  if (storage.engine === 'postgres') {
    await pinAuditLogKey(
      storage.db,
      storage.writes,
      key.verifierKey,
      auditKeyPaths(config.dataDir).secret,
    );
  }
  const checkpointer = createCheckpointer({
    writes: storage.writes,
    reader,
    key,
    origin,
    policy: {
      everyEvents: config.auditCheckpointEvents,
      everySeconds: config.auditCheckpointSeconds,
    },
    leads: () => storage.leadsCheckpoints(),
  });
  return { origin, reader, key, checkpointer };
}
