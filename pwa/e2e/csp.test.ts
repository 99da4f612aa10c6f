import fs from 'node:fs';
import { APP_ROUTES } from '@vaultroom/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwaSnapshot } from '../../relay/test/hardening/pwaSnapshot.js';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  addVirtualAuthenticator,
  launchBrowser,
  signedOutCheck,
  watchProblems,
  type Browser,
  type PageProblems,
} from './browser.js';

/*
 * Every screen of the app under the relay's Content Security Policy, signed out and signed in:
 * no violation may be reported, to the securitypolicyviolation sink or to the console. The route
 * list comes from shared/src/appRoutes.ts, so a new screen is covered as soon as it is routed.
 * libsodium must run its WebAssembly build: the policy allows 'wasm-unsafe-eval' for it, and if
 * that ever broke, libsodium would fall back to its JavaScript build without a word.
 */

const ROUTES: readonly string[] = Object.values(APP_ROUTES);

/** Watches a page's WebAssembly compilations through the DevTools protocol. */
async function watchWasm(page: Page): Promise<{ modules: string[] }> {
  const seen = { modules: [] as string[] };
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Debugger.scriptParsed', (event) => {
    if (event.scriptLanguage === 'WebAssembly') seen.modules.push(event.url);
  });
  await cdp.send('Debugger.enable');
  return seen;
}

/** Visits a route, lets it settle, and says where it ended up. */
async function visit(page: Page, origin: string, route: string): Promise<string> {
  await page.goto(`${origin}${route}`, { waitUntil: 'networkidle' });
  await page.waitForTimeout(300); // lazy screens load their chunks after the first paint
  return new URL(page.url()).pathname;
}

describe('every screen under the Content Security Policy, in Chromium', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let origin: string;
  let pwaDir: string;
  let page: Page;
  let problems: PageProblems;
  let wasm: { modules: string[] };
  const visited: string[] = [];

  beforeAll(async () => {
    pwaDir = await pwaSnapshot();
    relay = await startRelayProcess({ args: ['--pwa-dir', pwaDir] });
    origin = `https://vaultroom.local:${relay.httpsPort}`;
    browser = await launchBrowser(relay.caPem());
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    problems = await watchProblems(page, signedOutCheck);
    wasm = await watchWasm(page);
  });

  afterAll(async () => {
    console.log(
      `CSP: ${visited.length} screen visits (${ROUTES.length} routes, signed out and in): ` +
        `${problems.cspViolations.length} violations (bound 0), ${problems.consoleErrors.length} ` +
        `console errors (bound 0); WebAssembly modules compiled: ${wasm.modules.length} (bound >= 1)`,
    );
    await browser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it('breaks no policy on any route while signed out', async () => {
    for (const route of ROUTES) {
      const landed = await visit(page, origin, route);
      visited.push(`${route} (signed out) -> ${landed}`);
    }
    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
  });

  it('breaks no policy on any route while signed in as an administrator', async () => {
    await addVirtualAuthenticator(page);
    await page.goto(relay.adminInvite() ?? '', { waitUntil: 'networkidle' });
    await page.getByLabel('Handle').fill('alice');
    await page.getByLabel('Display name').fill('Alice');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => page.url()).toBe(`${origin}${APP_ROUTES.conversations}`);
    for (const route of ROUTES) {
      const landed = await visit(page, origin, route);
      visited.push(`${route} (signed in) -> ${landed}`);
      expect(problems.cspViolations, route).toEqual([]);
    }
    expect(problems.consoleErrors).toEqual([]);
  });

  it('runs libsodium as WebAssembly, not its JavaScript fallback', async () => {
    // The security screen verifies the audit log with libsodium in the page.
    await visit(page, origin, APP_ROUTES.security);
    await expect.poll(() => wasm.modules.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const wasmAllowed = await page.evaluate(async () => {
      // The smallest valid module: what the policy must let libsodium compile.
      const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
      try {
        await WebAssembly.instantiate(empty);
        return true;
      } catch {
        return false;
      }
    });
    expect(wasmAllowed).toBe(true);
    expect(problems.cspViolations).toEqual([]);
    console.log(`libsodium: WebAssembly modules compiled in the page: ${wasm.modules.join(', ')}`);
  });
});
