import type { HealthReport } from '@vaultroom/shared';

/**
 * A `GET /healthz` body as a `HealthReport`, or `undefined` when it is not one. Only the fields the
 * interface shows are checked; extra fields from a newer relay are dropped.
 */
export function parseHealthReport(body: unknown): HealthReport | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { status, version, uptimeSeconds, database } = body as Record<string, unknown>;
  if (status !== 'ok' && status !== 'degraded') return undefined;
  if (typeof version !== 'string' || version.length === 0 || version.length > 64) return undefined;
  if (typeof uptimeSeconds !== 'number' || !Number.isFinite(uptimeSeconds) || uptimeSeconds < 0) {
    return undefined;
  }
  if (database !== 'ok' && database !== 'unavailable') return undefined;
  return { status, version, uptimeSeconds, database };
}
