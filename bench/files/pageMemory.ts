/**
 * Peak memory of the sending and the receiving page for one file (issue #19: goal under 64 MiB
 * above idle), in Debian's Chromium through playwright-core, over a real relay.
 *
 * What is measured: the resident set (VmRSS in /proc/<pid>/status) of the browser's renderer
 * processes, summed and sampled every 50 ms: the page and its service worker run there, and
 * that is where a file held whole would sit. The browser process (network, the download written
 * to disk) and the GPU process are not the page's and are left out. Resident memory rather than
 * the JS heap (CDP Performance metrics), because the bytes at stake are ArrayBuffers, WASM memory
 * and stream buffers, which the heap figures do not count.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, launchBrowser, type Browser } from '../../pwa/e2e/browser.js';
import { OPEN_CONVERSATION_URL } from '../../pwa/e2e/people.js';
import { startRelayProcess } from '../../relay/test/relayProcess.js';

const MIB = 1024 * 1024;
const SAMPLE_MS = 50;
const PWA_DIST = fileURLToPath(new URL('../../pwa/dist/index.html', import.meta.url));

export interface PageMemory {
  /** Renderer memory at rest before the transfer, MiB. */
  readonly idleMib: number;
  /** Highest renderer memory during it, MiB. */
  readonly peakMib: number;
  /**
   * Renderer memory once it is done and the page was made to collect its garbage and give
   * freed memory back (CDP: a full GC, then a critical memory-pressure signal): near idle when
   * nothing of the file is still held, whatever the peak was.
   */
  readonly afterMib: number;
  readonly seconds: number;
}

/** Every process of the browser whose profile is under `home`, by its command line. */
function rendererPids(home: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    // Renderers are started with the browser's user data dir among their flags.
    if (cmdline.includes('--type=renderer') && cmdline.includes(home)) pids.push(Number(entry));
  }
  return pids;
}

function rssMib(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const status = fs.readFileSync(`/proc/${String(pid)}/status`, 'utf8');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // The process ended.
    }
  }
  return kib / 1024;
}

/** Samples the renderers' memory while `work` runs; the idle figure is taken just before. */
async function measure(page: Page, home: string, work: () => Promise<void>): Promise<PageMemory> {
  const idle: number[] = [];
  for (let i = 0; i < 10; i++) {
    idle.push(rssMib(rendererPids(home)));
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMib(rendererPids(home)));
  }, SAMPLE_MS);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssMib(rendererPids(home)));
  const seconds = (performance.now() - started) / 1000;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Memory.simulatePressureNotification', { level: 'critical' });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const afterMib = rssMib(rendererPids(home));
  await cdp.detach();
  return { idleMib: Math.max(...idle), peakMib: peak, afterMib, seconds };
}

async function signUp(page: Page, link: string, handle: string, origin: string): Promise<void> {
  await page.goto(link, { waitUntil: 'networkidle' });
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Display name').fill(handle);
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.waitForURL(`${origin}/conversations`);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A file of `bytes` varied bytes (not compressible), written to a temporary path. */
function writeFile(dir: string, bytes: number): { file: string; sha256: string } {
  const file = path.join(dir, 'big.bin');
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  const piece = Buffer.alloc(MIB);
  for (let at = 0; at < bytes; at += MIB) {
    for (let i = 0; i < piece.length; i += 4) piece.writeUInt32LE(((at + i) * 2654435761) >>> 0, i);
    const part = piece.subarray(0, Math.min(MIB, bytes - at));
    fs.writeSync(fd, part);
    hash.update(part);
  }
  fs.closeSync(fd);
  return { file, sha256: hash.digest('hex') };
}

/**
 * Alice sends a file of `bytes` to Bob, who downloads and saves it; the saved bytes must match.
 * Returns each page's renderer memory while it worked.
 */
export async function measurePageMemory(
  bytes: number,
): Promise<{ send: PageMemory; receive: PageMemory }> {
  if (!fs.existsSync(PWA_DIST)) throw new Error('pwa/dist is missing: run `npm run build` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-memory-'));
  const relay = await startRelayProcess({
    env: {
      VAULTROOM_AUTH_RATE_PER_MINUTE: '600',
      // Room for files above the default 100 MiB: a larger run tells held bytes from garbage.
      VAULTROOM_MAX_FILE_MB: String(Math.max(100, Math.ceil(bytes / MIB) + 1)),
      VAULTROOM_BLOB_QUOTA_MB: String(Math.max(1024, 3 * Math.ceil(bytes / MIB))),
    },
    keepLogs: false,
  });
  const browsers: Browser[] = [];
  try {
    const origin = `https://vaultroom.local:${String(relay.httpsPort)}`;
    const open = async () => {
      const browser = await launchBrowser(relay.caPem());
      browsers.push(browser);
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await addVirtualAuthenticator(page);
      return { browser, page };
    };
    const alice = await open();
    const bob = await open();
    await signUp(alice.page, relay.adminInvite() ?? '', 'alice', origin);
    const invite = await alice.page.evaluate(async () => {
      const response = await fetch('/api/invites', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'member', maxUses: 1, expiresInHours: 1 }),
      });
      return ((await response.json()) as { link: string }).link;
    });
    await signUp(bob.page, invite, 'bob', origin);
    // Bob's device registers a moment after sign-up: try until the conversation opens.
    await until(
      async () => {
        if (OPEN_CONVERSATION_URL.test(alice.page.url())) return true;
        const handle = alice.page.getByLabel('Their handle');
        if ((await handle.count()) === 0) {
          await alice.page.getByRole('button', { name: 'New conversation' }).click();
        }
        await handle.fill('bob');
        await alice.page.getByRole('button', { name: 'Start' }).click();
        await alice.page.waitForTimeout(500);
        return OPEN_CONVERSATION_URL.test(alice.page.url());
      },
      30_000,
      'conversation with bob',
    );
    const { file, sha256 } = writeFile(dir, bytes);
    const bubble = alice.page.locator('.bubble', { hasText: 'big.bin' });
    const send = await measure(alice.page, alice.browser.home, async () => {
      await alice.page.locator('input[type="file"]').setInputFiles(file);
      await until(
        async () => /Sent|Delivered|Read/.test((await bubble.textContent()) ?? ''),
        600_000,
        'upload',
      );
    });

    const b = bob.page;
    await b.getByRole('link', { name: /alice/ }).first().click();
    const card = b.locator('.attachment', { hasText: 'big.bin' });
    await until(async () => (await card.count()) === 1, 60_000, 'the file at Bob');
    const receive = await measure(b, bob.browser.home, async () => {
      await card.getByRole('button', { name: 'Download' }).click();
      const save = card.getByRole('button', { name: 'Save' });
      await until(async () => (await save.count()) === 1, 600_000, 'download');
      const [download] = await Promise.all([b.waitForEvent('download'), save.click()]);
      const saved = await download.path();
      const savedHash = createHash('sha256').update(fs.readFileSync(saved)).digest('hex');
      if (savedHash !== sha256) throw new Error('the saved file differs from the one sent');
    });
    return { send, receive };
  } finally {
    for (const browser of browsers) await browser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
