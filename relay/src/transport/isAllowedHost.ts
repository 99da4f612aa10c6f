const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * True when a Host header names this relay. Anything else is refused (421), which stops DNS
 * rebinding: a hostile page that points its own name at the relay's address gets no answer.
 */
export function isAllowedHost(hostHeader: string, hostnames: readonly string[]): boolean {
  const host = hostHeader.trim().toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (name === undefined || name === '') return false;
  const port = host.slice(name.length);
  if (port !== '' && !/^:\d{1,5}$/.test(port)) return false;
  return hostnames.includes(name) || LOOPBACK_NAMES.includes(name);
}
