import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots and other evidence a person can look at after a run. */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../test-artifacts');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium with the relay's CA trusted the way a user would trust it: imported into the NSS store
 * of a throwaway HOME. Certificate errors are not ignored, since that would also switch off
 * service workers and installability, which are part of what is under test.
 */
export async function launchBrowser(caPem: string): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (see .ci/run)`);
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-browser-'));
  const nssDb = path.join(home, '.pki', 'nssdb');
  fs.mkdirSync(nssDb, { recursive: true });
  const caFile = path.join(home, 'ca.pem');
  fs.writeFileSync(caFile, caPem);
  execFileSync('certutil', ['-d', `sql:${nssDb}`, '-N', '--empty-password']);
  execFileSync('certutil', [
    '-d',
    `sql:${nssDb}`,
    '-A',
    '-t',
    'C,,',
    '-n',
    'VaultRoom test CA',
    '-i',
    caFile,
  ]);

  const context = await chromium.launchPersistentContext(path.join(home, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP vaultroom.local 127.0.0.1'],
    env: { ...process.env, HOME: home },
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface PageProblems {
  readonly consoleErrors: string[];
  readonly cspViolations: string[];
}

/** Records console errors, uncaught exceptions and CSP violations of a page from its first byte. */
export async function watchProblems(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { consoleErrors: [], cspViolations: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.consoleErrors.push(String(error)));
  await page.exposeFunction('__reportCspViolation', (text: string) => {
    problems.cspViolations.push(text);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportCspViolation: (text: string) => void })
        .__reportCspViolation;
      report(`${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  return problems;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
