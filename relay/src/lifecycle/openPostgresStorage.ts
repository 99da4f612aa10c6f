import { createAdvisoryLeadership } from '../db/createAdvisoryLeadership.js';
import { openPostgresDatabase } from '../db/openPostgresDatabase.js';
import { createPostgresMailboxStore } from '../mailbox/createPostgresMailboxStore.js';
import type { RelayStorage } from './RelayStorage.js';

/** How often the health probe touches the server, and how stale its last success may get. */
const PROBE_EVERY_MS = 2000;
const PROBE_STALE_MS = 3 * PROBE_EVERY_MS;

/**
 * The advisory lock that elects the relay signing audit checkpoints on schedule: an arbitrary
 * constant, the same in every relay ("vrck" in ASCII).
 */
const CHECKPOINT_LEADER_LOCK = 0x7672636b;

export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  constructor() {
    super('the PostgreSQL server did not answer the latest health probe');
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * The relay's database on PostgreSQL (`VAULTROOM_DATABASE_URL`), which several relays may share.
 * No data-directory lock, no write-ahead-log check and no vacuum scheduler: the server guards its
 * own files and vacuums itself. `/healthz` is answered synchronously, so a probe in the
 * background runs `SELECT 1` through the pool and the answer reports its latest outcome.
 */
export async function openPostgresStorage(url: string): Promise<RelayStorage> {
  const database = await openPostgresDatabase(url);
  let lastSuccess = Date.now();
  let lastFailed = false;
  const probeOnce = () => {
    database.pool.query('SELECT 1').then(
      () => {
        lastSuccess = Date.now();
        lastFailed = false;
      },
      () => {
        lastFailed = true;
      },
    );
  };
  const probes = setInterval(probeOnce, PROBE_EVERY_MS);
  probes.unref();
  const leadership = createAdvisoryLeadership(url, CHECKPOINT_LEADER_LOCK);
  return {
    engine: 'postgres',
    db: database.db,
    writes: database.writes,
    mailbox: createPostgresMailboxStore(database.pool),
    probe: () => {
      if (lastFailed || Date.now() - lastSuccess > PROBE_STALE_MS) {
        throw new DatabaseUnavailableError();
      }
    },
    leadsCheckpoints: () => leadership.leads(),
    async close() {
      clearInterval(probes);
      await leadership.stop();
      await database.close();
    },
  };
}
