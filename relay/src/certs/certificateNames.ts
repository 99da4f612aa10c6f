/**
 * The names a VaultRoom server certificate carries and its CA permits. Besides the configured host
 * names, `localhost` and the loopback addresses are always included so that the relay's own health
 * checks and a browser on the relay machine work without extra configuration.
 */
export interface CertificateNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
}

export const LOOPBACK_IPS = ['127.0.0.1', '::1'] as const;

/** `hostnames` must already be normalised (see normalizeHostnames). */
export function certificateNames(hostnames: readonly string[]): CertificateNames {
  const dns = hostnames.includes('localhost') ? [...hostnames] : [...hostnames, 'localhost'];
  return { dns, ip: [...LOOPBACK_IPS] };
}
