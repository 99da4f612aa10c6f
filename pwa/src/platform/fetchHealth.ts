import { HEALTH_PATH } from '@vaultroom/shared';
import type { FetchHealth } from '../core/ports.js';

/**
 * `GET /healthz` on this origin, never from a cache (the service worker does not route it either).
 * A body that is not JSON comes back as `undefined` for the monitor to refuse.
 */
export const fetchHealth: FetchHealth = async (signal) => {
  const response = await fetch(HEALTH_PATH, {
    cache: 'no-store',
    credentials: 'omit',
    headers: { accept: 'application/json' },
    signal,
  });
  const body: unknown = await response.json().catch(() => undefined);
  return { httpStatus: response.status, body };
};
