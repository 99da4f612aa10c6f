import type { HealthReport } from '@vaultroom/shared';
import { RELAY_VERSION } from '../version.js';

/**
 * What `/healthz` answers: `probe` touches the database (a trivial query) and throws when it
 * cannot be used, which makes the relay `degraded` rather than down: it still serves the app.
 */
export function createHealthReport(probe: () => void, startedAt: number): () => HealthReport {
  return () => {
    let database: HealthReport['database'] = 'ok';
    try {
      probe();
    } catch {
      database = 'unavailable';
    }
    return {
      status: database === 'ok' ? 'ok' : 'degraded',
      version: RELAY_VERSION,
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      database,
    };
  };
}
