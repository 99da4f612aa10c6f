import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

export type FormFactor = 'mobile' | 'desktop';

export const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface LighthouseResult {
  /** Scores 0–100 per category. */
  readonly scores: Record<Category, number>;
  /** Lighthouse's own metrics, in milliseconds (CLS unitless). */
  readonly metrics: Record<string, number>;
  /** Per category, the weighted audits that lost points, as `id score`. */
  readonly failed: Record<Category, readonly string[]>;
  readonly lighthouseVersion: string;
  readonly userAgent: string;
}

const METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'interactive',
  'total-blocking-time',
  'cumulative-layout-shift',
  'speed-index',
] as const;

/**
 * One Lighthouse run (navigation mode, simulated throttling as Lighthouse defaults to, which needs
 * no network beyond the page itself) on a Chromium that is already running with `port` open.
 * Mobile is Lighthouse's default emulation (Moto G Power, slow 4G, 4× CPU slowdown); desktop is
 * its own desktop config. Lighthouse resets the origin's storage first, so each run is a cold
 * load, service worker included.
 */
export async function runLighthouse(
  url: string,
  port: number,
  formFactor: FormFactor,
  options: { categories?: readonly Category[]; quick?: boolean } = {},
): Promise<LighthouseResult> {
  const categories = options.categories ?? CATEGORIES;
  // Quick (smoke runs): one audit of the accessibility category, no waiting for the page to
  // settle after paint and load, no about:blank step: it only checks that Lighthouse can drive
  // this browser through this relay's TLS, and its score then means nothing.
  const scope =
    options.quick === true
      ? {
          onlyAudits: ['document-title'],
          pauseAfterFcpMs: 0,
          pauseAfterLoadMs: 0,
          networkQuietThresholdMs: 0,
          cpuQuietThresholdMs: 0,
          skipAboutBlank: true,
        }
      : { onlyCategories: [...categories] };
  const result = await lighthouse(
    url,
    // The full-page screenshot is only for the HTML report's pictures, never for a score.
    { port, output: 'json', logLevel: 'error', disableFullPageScreenshot: true, ...scope },
    formFactor === 'desktop' ? desktopConfig : undefined,
  );
  if (result === undefined) throw new Error('Lighthouse returned no result');
  const { lhr } = result;
  if (lhr.runtimeError !== undefined) {
    throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  }
  const scores = {} as Record<Category, number>;
  for (const category of categories) {
    const score = lhr.categories[category]?.score;
    if (typeof score !== 'number') throw new Error(`Lighthouse gave no ${category} score`);
    scores[category] = Math.round(score * 100);
  }
  const metrics: Record<string, number> = {};
  for (const id of METRICS) {
    const value = lhr.audits[id]?.numericValue;
    if (typeof value === 'number') metrics[id] = value;
  }
  // Per category, the weighted audits that did not score full marks: what cost the points.
  const failed = {} as Record<Category, string[]>;
  for (const category of categories) {
    failed[category] = (lhr.categories[category]?.auditRefs ?? [])
      .filter((ref) => ref.weight > 0)
      .map((ref) => lhr.audits[ref.id])
      .filter((audit) => typeof audit?.score === 'number' && audit.score < 1)
      .map((audit) => `${audit?.id ?? ''} ${String(audit?.score)}`);
  }
  return {
    scores,
    metrics,
    failed,
    lighthouseVersion: lhr.lighthouseVersion,
    userAgent: lhr.environment.hostUserAgent,
  };
}
