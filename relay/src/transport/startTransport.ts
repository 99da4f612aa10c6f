import type { HealthReport } from '@vaultroom/shared';
import type { StaticAssets } from '../static/loadStaticAssets.js';
import { createHttpsApp, type HttpsAppOptions, type TlsFiles } from './createHttpsApp.js';
import { createRedirectApp } from './createRedirectApp.js';
import type { ApiOptions } from './handleApiRequest.js';
import { createSessionSockets, type SessionSocketOptions } from './sessionSockets.js';
import { listen, stopListening, type Listening } from './uwsListen.js';

export interface TransportOptions {
  readonly tls: TlsFiles;
  readonly port: number;
  readonly httpPort: number | null;
  /** The HTTPS port people open when a firewall forwards it (e.g. 443 to 8443); null: `port`. */
  readonly publicPort?: number | null;
  readonly hostnames: readonly string[];
  readonly assets: StaticAssets;
  readonly health: () => HealthReport;
  readonly api: ApiOptions;
  readonly sockets: SessionSocketOptions;
  readonly blobs?: HttpsAppOptions['blobs'] | undefined;
}

export interface Transport {
  readonly httpsPort: number;
  readonly httpPort: number | null;
  /** Closes the live sockets of sessions that just ended. */
  closeSessions(sessionIds: readonly string[]): void;
  /** Sessions that have at least one open socket. */
  connectedSessionIds(): string[];
  /** Stops accepting, then closes every open connection (sockets with 1001). */
  stop(): void;
}

/** Binds the HTTPS listener and, when configured, the plain-HTTP redirect listener. */
export async function startTransport(options: TransportOptions): Promise<Transport> {
  const sockets = createSessionSockets(options.sockets);
  const https = createHttpsApp({ ...options, sockets });
  const httpsListening = await listen(https, options.port, 'HTTPS');

  const canonicalHost = options.hostnames[0] ?? 'localhost';
  const redirect =
    options.httpPort === null
      ? null
      : createRedirectApp(canonicalHost, () => options.publicPort ?? httpsListening.port);
  let redirectListening: Listening | null = null;
  if (redirect !== null && options.httpPort !== null) {
    try {
      redirectListening = await listen(redirect, options.httpPort, 'the HTTP redirect');
    } catch (error) {
      stopListening(httpsListening);
      https.close();
      throw error;
    }
  }

  return {
    httpsPort: httpsListening.port,
    httpPort: redirectListening?.port ?? null,
    closeSessions: (sessionIds) => {
      sockets.closeSessions(sessionIds);
    },
    connectedSessionIds: () => sockets.connectedSessionIds(),
    stop() {
      stopListening(httpsListening);
      sockets.closeAll();
      if (redirectListening !== null) stopListening(redirectListening);
      // Requests are answered synchronously, so none is half-done here; this ends idle
      // keep-alive connections, which would otherwise hold the process open.
      https.close();
      redirect?.close();
    },
  };
}
