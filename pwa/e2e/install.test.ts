import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../relay/test/httpsClient.js';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  ARTIFACTS_DIR,
  addVirtualAuthenticator,
  controlsWithoutName,
  launchBrowser,
  signedOutCheck,
  watchProblems,
  type Browser,
  type PageProblems,
} from './browser.js';

interface ManifestIcon {
  readonly src: string;
  readonly sizes: string;
  readonly type: string;
  readonly purpose?: string;
}

interface Manifest {
  readonly id: string;
  readonly name: string;
  readonly short_name: string;
  readonly start_url: string;
  readonly scope: string;
  readonly display: string;
  readonly theme_color: string;
  readonly background_color: string;
  readonly icons: readonly ManifestIcon[];
  readonly shortcuts: readonly { readonly name: string; readonly url: string }[];
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(body: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(body.subarray(0, 8).equals(signature), 'PNG signature').toBe(true);
  expect(body.subarray(12, 16).toString('latin1'), 'first chunk').toBe('IHDR');
  return { width: body.readUInt32BE(16), height: body.readUInt32BE(20) };
}

/**
 * Whether a PNG can hold any transparency: a colour type with an alpha channel (4, 6), or a
 * tRNS chunk (transparency for palette, grey or truecolour images).
 */
function pngHasAlpha(body: Buffer): boolean {
  const colourType = body.readUInt8(25);
  if (colourType === 4 || colourType === 6) return true;
  for (let offset = 8; offset + 8 <= body.length;) {
    const length = body.readUInt32BE(offset);
    const type = body.subarray(offset + 4, offset + 8).toString('latin1');
    if (type === 'tRNS') return true;
    if (type === 'IDAT' || type === 'IEND') return false; // tRNS must come before the image data
    offset += 12 + length;
  }
  return false;
}

/** Width and height of each image in an ICO file (0 in the directory means 256). */
function icoSizes(body: Buffer): { width: number; height: number }[] {
  expect(body.readUInt16LE(0), 'ICO reserved').toBe(0);
  expect(body.readUInt16LE(2), 'ICO type').toBe(1);
  return Array.from({ length: body.readUInt16LE(4) }, (_, index) => {
    const entry = 6 + index * 16;
    return { width: body.readUInt8(entry) || 256, height: body.readUInt8(entry + 1) || 256 };
  });
}

/**
 * Records, from the page's first byte, every `beforeinstallprompt` the browser itself fires, so
 * the test knows whether the install button it sees came from Chromium or from the test.
 */
async function recordBrowserOffers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const record = window as unknown as { __browserInstallOffers: number };
    record.__browserInstallOffers = 0;
    window.addEventListener('beforeinstallprompt', () => {
      record.__browserInstallOffers += 1;
    });
  });
}

/** The element alone at phone and desktop widths: the screen around it scrolls inside <main>. */
async function shootElement(page: Page, element: Locator, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await element.scrollIntoViewIfNeeded();
    await element.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-${width}.png`) });
  }
}

describe('installing the PWA in Chromium over TLS', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let origin: string;
  let manifest: Manifest;

  const get = (path: string) => request(relay.httpsPort, relay.caPem(), path);

  beforeAll(async () => {
    relay = await startRelayProcess();
    browser = await launchBrowser(relay.caPem());
    origin = `https://vaultroom.local:${relay.httpsPort}`;
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    problems = await watchProblems(page, signedOutCheck);
    await recordBrowserOffers(page);
    await addVirtualAuthenticator(page);
  });

  afterAll(async () => {
    await browser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('passes Chromium’s installability check, with the shortcuts in the manifest it read', async () => {
    await page.goto(`${origin}/`, { waitUntil: 'networkidle' });
    // Controlled by the worker: the app starts offline, which an installed app must.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => {
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
        });
      }
    });

    // Left attached: detaching a DevTools session from this page also leaves the virtual
    // authenticator unable to answer the sign-up below.
    const cdp = await browser.context.newCDPSession(page);
    await expect
      .poll(async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, {
        timeout: 15_000,
      })
      .toEqual([]);

    const read = await cdp.send('Page.getAppManifest', {});
    expect(read.url).toBe(`${origin}/manifest.webmanifest`);
    expect(read.errors).toEqual([]);
    expect(read.manifest.shortcuts).toEqual([
      { name: 'New conversation', url: `${origin}/conversations?new=1` },
      { name: 'Security', url: `${origin}/security` },
    ]);
    expect(read.manifest.id).toBe(`${origin}/`);
  });

  it('serves a manifest whose every icon answers 200 with its type and declared size', async () => {
    const response = await get('/manifest.webmanifest');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    manifest = JSON.parse(response.body.toString('utf8')) as Manifest;
    expect(manifest).toMatchObject({
      id: '/',
      name: 'VaultRoom',
      short_name: 'VaultRoom',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: '#ffffff',
      background_color: '#ffffff',
    });

    const purposes = manifest.icons.map((icon) => `${icon.purpose ?? 'any'} ${icon.sizes}`);
    expect(purposes).toEqual(
      expect.arrayContaining(['any 192x192', 'any 512x512', 'maskable 512x512', 'any any']),
    );
    for (const icon of manifest.icons) {
      const answer = await get(icon.src);
      expect(answer.status, icon.src).toBe(200);
      expect(answer.headers['content-type'], icon.src).toBe(icon.type);
      if (icon.type === 'image/png') {
        const { width, height } = pngSize(answer.body);
        expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
        // A launcher crops a maskable icon to its own shape: it must be opaque to the edges, or
        // the crop shows holes.
        if (icon.purpose === 'maskable') expect(pngHasAlpha(answer.body), icon.src).toBe(false);
      } else {
        expect(icon.type).toBe('image/svg+xml');
        expect(answer.body.toString('utf8'), icon.src).toMatch(/^<svg [^>]*viewBox="0 0 512 512"/);
      }
    }
  });

  it('links a favicon and an apple-touch-icon of the sizes it states', async () => {
    const links = await page
      .locator('link[rel="icon"], link[rel="apple-touch-icon"]')
      .evaluateAll((elements) =>
        elements.map((element) => ({
          rel: element.getAttribute('rel') ?? '',
          href: element.getAttribute('href') ?? '',
          sizes: element.getAttribute('sizes') ?? '',
        })),
      );
    expect(links).toEqual([
      { rel: 'icon', href: '/favicon.ico', sizes: '48x48' },
      { rel: 'icon', href: '/icon.svg', sizes: 'any' },
      { rel: 'apple-touch-icon', href: '/apple-touch-icon-180x180.png', sizes: '' },
    ]);

    const favicon = await get('/favicon.ico');
    expect(favicon.status).toBe(200);
    expect(favicon.headers['content-type']).toBe('image/x-icon');
    expect(icoSizes(favicon.body)).toEqual([{ width: 48, height: 48 }]);

    const apple = await get('/apple-touch-icon-180x180.png');
    expect(apple.status).toBe(200);
    expect(apple.headers['content-type']).toBe('image/png');
    expect(pngSize(apple.body)).toEqual({ width: 180, height: 180 });
    // iOS fills transparent pixels with black: the touch icon is a full opaque square.
    expect(pngHasAlpha(apple.body)).toBe(false);
  });

  it('keeps the manifest and every icon in the worker’s precache, so they load offline', async () => {
    const urls = [
      '/manifest.webmanifest',
      ...manifest.icons.map((icon) => icon.src),
      '/favicon.ico',
      '/apple-touch-icon-180x180.png',
    ];
    await browser.context.setOffline(true);
    try {
      const answers = await page.evaluate(
        (paths) =>
          Promise.all(
            paths.map(async (path) => {
              const response = await fetch(path);
              // Workbox keys unhashed files with a revision parameter.
              const cached = await caches.match(path, { ignoreSearch: true });
              return {
                path,
                precached: cached !== undefined,
                status: response.status,
                type: response.headers.get('content-type'),
                bytes: (await response.arrayBuffer()).byteLength,
              };
            }),
          ),
        urls,
      );
      for (const answer of answers) {
        expect(answer.precached, answer.path).toBe(true);
        expect(answer.status, answer.path).toBe(200);
        expect(answer.type, answer.path).not.toBeNull();
        expect(answer.bytes, answer.path).toBeGreaterThan(0);
      }
    } finally {
      await browser.context.setOffline(false);
    }
  });

  it('opens the app at each shortcut’s address', async () => {
    for (const shortcut of manifest.shortcuts) {
      const response = await get(shortcut.url);
      expect(response.status, shortcut.url).toBe(200);
      expect(response.headers['content-type'], shortcut.url).toBe('text/html; charset=utf-8');
    }
  });

  it('offers "Install app" in Settings when the browser offers to install, and not after', async () => {
    await page.goto(relay.adminInvite() ?? '', { waitUntil: 'networkidle' });
    await page.getByLabel('Handle').fill('alice');
    await page.getByLabel('Display name').fill('Alice Martin');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(`${origin}/conversations`);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1, name: 'Settings' }).count())
      .toBe(1);

    const section = page.getByRole('region', { name: 'Install the app' });
    const button = page.getByRole('button', { name: 'Install app' });
    const browserOffers = () =>
      page.evaluate(
        () => (window as unknown as { __browserInstallOffers: number }).__browserInstallOffers,
      );
    // Whether Chromium makes its own offer depends on its version and on how long and how much
    // the person used the site, so what it did is recorded, not assumed. Its offer, if any, came
    // at page load, long before this point.
    if ((await browserOffers()) > 0) {
      await expect.poll(() => button.count()).toBe(1);
    } else {
      expect(await button.count()).toBe(0);
      expect(await section.count()).toBe(0);
    }

    // The offer the test makes stands for Chromium's: a `beforeinstallprompt` event (no page can
    // construct the real BeforeInstallPromptEvent) whose prompt() records the call and answers
    // as a person pressing Install would. A real prompt() would open a native dialog that
    // headless Chromium cannot answer.
    const cancelled = await page.evaluate(() => {
      const record = window as unknown as { __promptCalls: number };
      record.__promptCalls = 0;
      const choice = Promise.resolve({ outcome: 'accepted', platform: 'web' });
      const event = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
        platforms: ['web'],
        userChoice: choice,
        prompt: () => {
          record.__promptCalls += 1;
          return choice;
        },
      });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    });
    // The app keeps the browser's own install banner away and offers install where it chooses.
    expect(cancelled).toBe(true);
    await expect.poll(() => button.count()).toBe(1);
    expect(await section.getByText('opens in its own window').count()).toBe(1);
    expect(await controlsWithoutName(page)).toEqual([]);
    await shootElement(page, section, 'install-offer');

    await button.click();
    await expect.poll(() => button.count()).toBe(0);
    expect(
      await page.evaluate(() => (window as unknown as { __promptCalls: number }).__promptCalls),
    ).toBe(1);
    await expect
      .poll(() => section.getByRole('status').textContent())
      .toBe('VaultRoom is installed. Open it from your home screen or app list.');
    await shootElement(page, section, 'install-accepted');

    // Back on Settings later, an installed app is not offered again, whatever the browser fires.
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1, name: 'Settings' }).count())
      .toBe(1);
    expect(await section.count()).toBe(0);

    expect(problems.consoleErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
