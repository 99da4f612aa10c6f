import path from 'node:path';

export interface TlsPaths {
  dir: string;
  /** The CA certificate: the one file users import into their devices. */
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

/** Where the relay keeps its CA and server certificate inside the data directory. */
export function tlsPaths(dataDir: string): TlsPaths {
  const dir = path.join(dataDir, 'tls');
  return {
    dir,
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    serverCert: path.join(dir, 'server.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
  };
}
