/** Body of `GET /healthz`: what the PWA shows as the relay's health. */
export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly version: string;
  readonly uptimeSeconds: number;
  readonly database: 'ok' | 'unavailable';
}

export const HEALTH_PATH = '/healthz';
