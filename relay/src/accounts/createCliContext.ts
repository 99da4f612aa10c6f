import { pino } from 'pino';
import { createClientTagger } from '../audit/createClientTagger.js';
import type { RelayConfig } from '../config/relayConfig.js';
import type { OpenDatabase } from '../db/openDatabase.js';
import type { AccountsContext } from './AccountsContext.js';
import { createRateLimiter } from '../limits/createRateLimiter.js';

/**
 * The accounts context for commands run by the operator. Sessions ended here are closed on the
 * running relay by its periodic sweep, since this process holds no sockets.
 */
export async function createCliContext(
  config: RelayConfig,
  database: Pick<OpenDatabase, 'db' | 'writes'>,
): Promise<AccountsContext> {
  const port = config.publicPort ?? config.port;
  const origin = `https://${config.hostname}${port === 443 ? '' : `:${port}`}`;
  return {
    db: database.db,
    writes: database.writes,
    settings: {
      rpName: 'VaultRoom',
      rpId: config.hostname,
      origins: () => [origin],
      publicOrigin: () => origin,
      registrationMode: config.registration,
      sessionIdleMs: config.sessionIdleHours * 3_600_000,
      sessionMaxMs: config.sessionMaxDays * 86_400_000,
      challengeTtlMs: config.challengeTtlSeconds * 1000,
      retentionMs: config.retentionDays * 86_400_000,
    },
    now: () => new Date(),
    addressLimiter: createRateLimiter({ burst: 1, perMinute: 1 }),
    accountLimiter: createRateLimiter({ burst: 1, perMinute: 1 }),
    onSessionsEnded: () => undefined,
    clientTag: await createClientTagger(database.db, database.writes),
    log: pino({ level: 'silent' }),
  };
}
