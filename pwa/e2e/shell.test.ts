import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  launchBrowser,
  screenshot,
  signedOutCheck,
  watchProblems,
  type Browser,
} from './browser.js';

describe('the PWA shell in Chromium over TLS', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    relay = await startRelayProcess();
    browser = await launchBrowser(relay.caPem());
    origin = `https://vaultroom.local:${relay.httpsPort}`;
  });

  afterAll(async () => {
    await browser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('loads on the real host name with the CA trusted, shows relay health, and breaks no policy', async () => {
    const page = await browser.context.newPage();
    const problems = await watchProblems(page, signedOutCheck);
    const response = await page.goto(`${origin}/`, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    // Nobody is signed in on a fresh browser: every app route leads to sign-in.
    await expect.poll(() => page.url()).toBe(`${origin}/sign-in`);
    const status = page.getByRole('status');
    await expect.poll(() => status.first().textContent()).toMatch(/0\.1\.0/);

    // A service worker only registers over a certificate the browser really trusts.
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${origin}/`);

    for (const route of ['/settings', '/sign-in', '/conversations']) {
      await page.goto(`${origin}${route}`, { waitUntil: 'networkidle' });
      expect(await page.getByRole('heading', { level: 1 }).count(), route).toBeGreaterThan(0);
      await screenshot(page, `shell${route.replaceAll('/', '-')}-1280`);
    }
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${origin}/conversations`, { waitUntil: 'networkidle' });
    await screenshot(page, 'shell-conversations-360');

    expect(problems.consoleErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
