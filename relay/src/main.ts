import fs from 'node:fs';
import path from 'node:path';
import type { HealthReport } from '@vaultroom/shared';
import { ensureCertificates } from './certs/index.js';
import { allHostnames, type RelayConfig } from './config/relayConfig.js';
import { openDatabase } from './db/openDatabase.js';
import { StartupError } from './lifecycle/StartupError.js';
import type { Logger } from './log/createLogger.js';
import { loadStaticAssets } from './static/loadStaticAssets.js';
import { startTransport } from './transport/startTransport.js';
import { RELAY_VERSION } from './version.js';

export { parseRelayConfig, type RelayConfig, type RawRelayConfig } from './config/relayConfig.js';
export { createLogger, type Logger } from './log/createLogger.js';

export interface RunningRelay {
  readonly httpsPort: number;
  readonly httpPort: number | null;
  /** Stops accepting, closes every connection, then the database. Safe to call twice. */
  close(): Promise<void>;
}

function loadPwa(pwaDir: string) {
  if (!fs.existsSync(path.join(pwaDir, 'index.html'))) {
    throw new StartupError(
      'PWA_NOT_BUILT',
      `the PWA is not built (no index.html in ${pwaDir}): run "npm run build" first`,
    );
  }
  return loadStaticAssets(pwaDir);
}

/**
 * Composition root: configuration → TLS material → database → transport. Everything that can fail
 * for an operator's reason fails here, before the relay accepts a single connection.
 */
export async function startRelay(config: RelayConfig, log: Logger): Promise<RunningRelay> {
  const assets = loadPwa(config.pwaDir);
  const hostnames = allHostnames(config);

  let tls = config.tls;
  if (tls === null) {
    const certs = await ensureCertificates({ dataDir: config.dataDir, hostnames });
    if (certs.createdCa) {
      log.info(
        { caFile: certs.paths.caCert, caFingerprintSha256: certs.caFingerprintSha256 },
        'created a local certificate authority: import its certificate on your devices',
      );
    }
    if (certs.createdServer) {
      log.info({ notAfter: certs.serverNotAfter.toISOString() }, 'issued a server certificate');
    }
    tls = { certFile: certs.paths.serverCert, keyFile: certs.paths.serverKey };
  }

  const database = await openDatabase(config.dataDir);
  const startedAt = Date.now();
  const health = (): HealthReport => {
    let databaseState: HealthReport['database'] = 'ok';
    try {
      database.sqlite.prepare('SELECT 1').get();
    } catch {
      databaseState = 'unavailable';
    }
    return {
      status: databaseState === 'ok' ? 'ok' : 'degraded',
      version: RELAY_VERSION,
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      database: databaseState,
    };
  };

  let transport;
  try {
    transport = await startTransport({
      tls,
      port: config.port,
      httpPort: config.httpPort,
      hostnames,
      assets,
      health,
    });
  } catch (error) {
    await database.close();
    throw error;
  }

  let closing: Promise<void> | null = null;
  return {
    httpsPort: transport.httpsPort,
    httpPort: transport.httpPort,
    close() {
      closing ??= (async () => {
        transport.stop();
        await database.close();
      })();
      return closing;
    },
  };
}
