import type { BrowserContext, CDPSession, Page, Request } from 'playwright-core';

/** The sign-in screen's submit button: once it shows, a new visitor can act. */
export const SIGN_IN_BUTTON = '.welcome-card form button[type="submit"]';
/** How long the main thread must stay free of long tasks (≥ 50 ms) after the button shows. */
export const QUIET_MS = 500;

export interface Transfer {
  readonly url: string;
  readonly type: string;
  /** Bytes on the wire: headers plus the body as sent (brotli or gzip when the relay compresses). */
  readonly encoded: number;
  /** The body after decompression. */
  readonly decoded: number;
  readonly encoding: string;
  readonly fromServiceWorker: boolean;
  readonly fromCache: boolean;
}

export interface LoadMeasurement {
  /** Milliseconds from navigation start (the page's time origin): see SIGN_IN_BUTTON, QUIET_MS. */
  readonly interactiveMs: number;
  readonly buttonVisibleMs: number;
  readonly longTasks: number;
  /** What the page itself fetched, up to interactive and a network quiet of QUIET_MS. */
  readonly transfers: readonly Transfer[];
  /** With waitForWorker: what the service worker fetched until it turned active (its precache). */
  readonly workerTransfers: readonly Transfer[];
  /** With waitForWorker: the active service worker's script URL. */
  readonly workerScript: string | null;
  /** Page scripts: total bytes and bytes of the ranges V8 ran at least once. */
  readonly scriptBytes: number;
  readonly executedBytes: number;
  /** Whether a service worker controlled the page. */
  readonly controlled: boolean;
}

interface BenchProbe {
  longTasks: [number, number][];
  visibleAt: number | null;
}

/**
 * Installed before any of the page's scripts runs: records long tasks, and the moment the sign-in
 * button is first in the document with a laid-out size. A string, not a function: the TypeScript
 * loader would add helpers to a function's source that do not exist in the page.
 */
const PROBE = `(() => {
  const state = { longTasks: [], visibleAt: null };
  window.__benchProbe = state;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      state.longTasks.push([entry.startTime, entry.startTime + entry.duration]);
    }
  }).observe({ type: 'longtask', buffered: true });
  const observer = new MutationObserver(() => {
    const button = document.querySelector(${JSON.stringify(SIGN_IN_BUTTON)});
    if (button === null || button.getBoundingClientRect().height === 0) return;
    state.visibleAt = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes of a script that V8's block coverage saw run at least once (nested ranges paint over). */
function executedBytes(functions: readonly { ranges: readonly Range[] }[]): {
  total: number;
  executed: number;
} {
  const ranges = functions.flatMap((f) => f.ranges);
  const total = Math.max(0, ...ranges.map((r) => r.endOffset));
  const ran = new Uint8Array(total);
  const ordered = [...ranges].sort(
    (a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset,
  );
  for (const range of ordered)
    ran.fill(range.count > 0 ? 1 : 0, range.startOffset, range.endOffset);
  return { total, executed: ran.reduce((sum, bit) => sum + bit, 0) };
}

interface Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}

/** Records the page's network transfers through its DevTools session. */
function watchNetwork(cdp: CDPSession): {
  transfers: Transfer[];
  inFlight: () => number;
  lastActivity: () => number;
} {
  const transfers: Transfer[] = [];
  const pending = new Map<
    string,
    { url: string; type: string; decoded: number; encoding: string; sw: boolean; cache: boolean }
  >();
  let last = performance.now();
  cdp.on('Network.requestWillBeSent', (event) => {
    last = performance.now();
    pending.set(event.requestId, {
      url: event.request.url,
      type: event.type ?? 'Other',
      decoded: 0,
      encoding: '',
      sw: false,
      cache: false,
    });
  });
  cdp.on('Network.responseReceived', (event) => {
    const request = pending.get(event.requestId);
    if (request === undefined) return;
    const headers = Object.fromEntries(
      Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    request.type = event.type;
    request.encoding = headers['content-encoding'] ?? '';
    request.sw = event.response.fromServiceWorker === true;
    request.cache = event.response.fromDiskCache === true;
  });
  cdp.on('Network.dataReceived', (event) => {
    const request = pending.get(event.requestId);
    if (request !== undefined) request.decoded += event.dataLength;
  });
  cdp.on('Network.loadingFinished', (event) => {
    last = performance.now();
    const request = pending.get(event.requestId);
    if (request === undefined) return;
    pending.delete(event.requestId);
    transfers.push({
      url: request.url,
      type: request.type,
      encoded: event.encodedDataLength,
      decoded: request.decoded,
      encoding: request.encoding,
      fromServiceWorker: request.sw,
      fromCache: request.cache,
    });
  });
  cdp.on('Network.loadingFailed', (event) => {
    last = performance.now();
    pending.delete(event.requestId);
  });
  return { transfers, inFlight: () => pending.size, lastActivity: () => last };
}

/**
 * Opens `url` in a new page of `context` and measures one load: bytes, the JavaScript V8 ran, and
 * the time until the sign-in button has shown and the main thread has then stayed free of long
 * tasks for QUIET_MS ("sign-in interactive": the later of the button's first frame and the end of
 * the last long task before that quiet window). The page is closed afterwards.
 */
export async function measureLoad(
  context: BrowserContext,
  url: string,
  options: { waitForWorker?: boolean; timeoutMs?: number } = {},
): Promise<LoadMeasurement> {
  const page: Page = await context.newPage();
  const workerTransfers: Transfer[] = [];
  const workerReads: Promise<void>[] = [];
  const onWorkerRequest = (request: Request) => {
    if (request.serviceWorker() === null) return;
    workerReads.push(
      Promise.all([request.sizes(), request.response()]).then(([sizes, response]) => {
        workerTransfers.push({
          url: request.url(),
          type: request.resourceType(),
          encoded: sizes.responseBodySize + sizes.responseHeadersSize,
          decoded: 0,
          encoding: response?.headers()['content-encoding'] ?? '',
          fromServiceWorker: false,
          fromCache: false,
        });
      }),
    );
  };
  if (options.waitForWorker === true) context.on('requestfinished', onWorkerRequest);
  try {
    await page.addInitScript(PROBE);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    const network = watchNetwork(cdp);
    await page.goto(url, { waitUntil: 'commit' });
    const deadline = performance.now() + (options.timeoutMs ?? 30_000);
    let state: { visibleAt: number | null; lastLongTaskEnd: number; now: number; count: number };
    for (;;) {
      state = await page.evaluate(() => {
        const p = (window as unknown as { __benchProbe: BenchProbe }).__benchProbe;
        return {
          visibleAt: p.visibleAt,
          lastLongTaskEnd: Math.max(0, ...p.longTasks.map(([, end]) => end)),
          now: performance.now(),
          count: p.longTasks.length,
        };
      });
      const quietSince = Math.max(state.visibleAt ?? Infinity, state.lastLongTaskEnd);
      const networkQuiet =
        network.inFlight() === 0 && performance.now() - network.lastActivity() >= QUIET_MS;
      if (state.now - quietSince >= QUIET_MS && networkQuiet) break;
      if (performance.now() > deadline) {
        throw new Error(
          `the sign-in screen did not become interactive at ${url}: ${JSON.stringify({ ...state, inFlight: network.inFlight() })}`,
        );
      }
      await sleep(50);
    }
    const visibleAt = state.visibleAt ?? 0;
    const coverage = await cdp.send('Profiler.takePreciseCoverage');
    const origin = new URL(url).origin;
    let scriptBytes = 0;
    let executed = 0;
    for (const script of coverage.result) {
      if (!script.url.startsWith(`${origin}/`)) continue;
      const counted = executedBytes(script.functions);
      scriptBytes += counted.total;
      executed += counted.executed;
    }
    const controlled = await page.evaluate(() => navigator.serviceWorker.controller !== null);
    let workerScript: string | null = null;
    if (options.waitForWorker === true) {
      // The worker turns active once its install (the precache) is done.
      workerScript = await page.evaluate(
        async () => (await navigator.serviceWorker.ready).active?.scriptURL ?? null,
      );
      await Promise.all(workerReads);
    }
    return {
      interactiveMs: Math.max(visibleAt, state.lastLongTaskEnd),
      buttonVisibleMs: visibleAt,
      longTasks: state.count,
      transfers: [...network.transfers],
      workerTransfers: [...workerTransfers],
      workerScript,
      scriptBytes,
      executedBytes: executed,
      controlled,
    };
  } finally {
    context.off('requestfinished', onWorkerRequest);
    await page.close();
  }
}
