/**
 * `connecting`: first attempt, until `welcome`. `connected`: welcomed. `reconnecting`: lost after
 * (or before) a welcome, waiting out the backoff or retrying. The last three are terminal:
 * `signed-out` (close 1008, §2.1), `incompatible` (`UNSUPPORTED_VERSION`), `closed` (`close()`).
 */
export type ConnectionState =
  'connecting' | 'connected' | 'reconnecting' | 'signed-out' | 'closed' | 'incompatible';

export function isTerminal(state: ConnectionState): boolean {
  return state === 'signed-out' || state === 'closed' || state === 'incompatible';
}
