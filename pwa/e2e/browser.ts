import fs from 'node:fs';
import path from 'node:path';
import {
  chromium,
  errors,
  type BrowserContext,
  type CDPSession,
  type ConsoleMessage,
  type Page,
} from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, HOST_RULES, createTrustingHome } from './chromiumProfile.js';

export { CHROMIUM } from './chromiumProfile.js';
/** Screenshots and other evidence a person can look at after a run. */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../test-artifacts');

export interface Browser {
  readonly context: BrowserContext;
  /** The throwaway HOME holding the profile: what a copy of this browser's data would hold. */
  readonly home: string;
  close(): Promise<void>;
}

/**
 * Chromium with the relay's CA trusted the way a user would trust it: imported into the NSS store
 * of a throwaway HOME. Certificate errors are not ignored, since that would also switch off
 * service workers and installability, which are part of what is under test.
 */
export async function launchBrowser(
  caPem: string,
  options: { readonly display?: string } = {},
): Promise<Browser> {
  const home = createTrustingHome(caPem, 'vaultroom-browser-');
  const display = options.display;
  const context = await chromium.launchPersistentContext(path.join(home, 'profile'), {
    executablePath: CHROMIUM,
    // With a display (a virtual screen of the test's own), Chromium draws its windows and
    // notification pop-ups there; headless, it draws neither.
    headless: display === undefined,
    args: [...CHROMIUM_ARGS, HOST_RULES],
    env: { ...process.env, HOME: home, ...(display === undefined ? {} : { DISPLAY: display }) },
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    home,
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

/**
 * `GET /api/me` answers 401 while nobody is signed in (at start, and when the app confirms that a
 * closed socket meant an ended session), and Chromium logs every 4xx fetch as a console error.
 */
export const signedOutCheck = (message: ConsoleMessage): boolean =>
  message.text().includes('status of 401') && message.location().url.endsWith('/api/me');

/**
 * Records console errors, uncaught exceptions and CSP violations of a page from its first byte.
 * `expected` exempts console errors the test knows are part of the contract (the browser logs
 * every 4xx answer to a fetch, e.g. a 401 from `GET /api/me` while signed out).
 */
export async function watchProblems(
  page: Page,
  expected: (message: ConsoleMessage) => boolean = () => false,
): Promise<PageProblems> {
  const problems: PageProblems = { consoleErrors: [], cspViolations: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected(message)) {
      problems.consoleErrors.push(`${message.text()} (${message.location().url})`);
    }
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

/**
 * A whole-page screenshot. The viewport is grown to the page's height instead of asking Chromium
 * to capture beyond it, and a capture that stalls is retried once after waking the compositor:
 * headless Chromium can let a quiet page's compositor go idle, and `Page.captureScreenshot` then
 * waits for a frame that never comes (seen once in CI, after which the tab drew nothing again).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  const viewport = page.viewportSize();
  const hidden = await page.evaluate(hiddenByScrolling);
  const grow = viewport !== null && hidden > 0;
  if (grow) await page.setViewportSize({ width: viewport.width, height: viewport.height + hidden });
  try {
    await page.screenshot({ path: file, timeout: 15_000 });
  } catch (error) {
    if (!(error instanceof errors.TimeoutError)) throw error;
    await wakeCompositor(page);
    await page.screenshot({ path: file });
  } finally {
    if (grow) await page.setViewportSize(viewport);
  }
  return file;
}

/** Screenshots at phone (390×844) and desktop (1280×800) size, back at desktop size after. */
export async function screenshotPhoneAndDesktop(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [390, 844],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await screenshot(page, `${name}-${String(width)}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * How much taller the viewport must be to show everything: the app scrolls inside its panes, not
 * the document, so a whole-page capture alone would cut a long screen off at the bottom.
 */
function hiddenByScrolling(): number {
  let hidden = document.documentElement.scrollHeight - window.innerHeight;
  for (const element of Array.from(document.querySelectorAll('*'))) {
    const { overflowY } = getComputedStyle(element);
    if (overflowY !== 'auto' && overflowY !== 'scroll') continue;
    hidden = Math.max(hidden, element.scrollHeight - element.clientHeight);
  }
  return hidden;
}

/** A short screencast makes Chromium produce frames again for a tab whose compositor went idle. */
async function wakeCompositor(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 10, maxWidth: 64 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await cdp.send('Page.stopScreencast');
  } finally {
    await cdp.detach();
  }
}

/** A credential as the DevTools WebAuthn domain exports it (private key included). */
export interface VirtualCredential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId?: string;
  readonly privateKey: string;
  readonly userHandle?: string;
  readonly signCount: number;
  readonly backupEligibility?: boolean;
  readonly backupState?: boolean;
}

async function readCredentials(
  cdp: CDPSession,
  authenticatorId: string,
): Promise<VirtualCredential[]> {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

export interface VirtualAuthenticator {
  readonly cdp: CDPSession;
  readonly id: string;
  /** The credentials it holds, private keys included, e.g. to copy them to another device. */
  credentials(): Promise<VirtualCredential[]>;
  addCredential(credential: VirtualCredential): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A platform passkey provider for one page, through the DevTools WebAuthn domain: CTAP2, resident
 * keys, user verification that always succeeds, and the PRF extension (unless `prf: false`, as
 * on an authenticator without it). Real keys and real signatures, verified by the relay as any
 * other passkey.
 */
export async function addVirtualAuthenticator(
  page: Page,
  options: { readonly prf?: boolean } = {},
): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId: id } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: options.prf ?? true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id,
    credentials: () => readCredentials(cdp, id),
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId: id, credential });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
    },
  };
}

/**
 * Visible buttons, links, inputs and selects that have no accessible name, described for the
 * failure message. Follows the usual sources: aria-labelledby, aria-label, a <label>, the text
 * content, then the title.
 */
export async function controlsWithoutName(page: Page): Promise<string[]> {
  return page.locator('button, a, input, select, textarea').evaluateAll((elements) =>
    elements
      .filter((element) => {
        const box = element.getBoundingClientRect();
        const hidden = box.width === 0 && box.height === 0;
        if (hidden || (element as HTMLInputElement).type === 'hidden') return false;
        const byIds = (element.getAttribute('aria-labelledby') ?? '')
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join('');
        const labels = (element as HTMLInputElement).labels;
        const byLabel = labels ? Array.from(labels, (label) => label.textContent).join('') : '';
        const name = [
          byIds,
          element.getAttribute('aria-label') ?? '',
          byLabel,
          element instanceof HTMLInputElement || element instanceof HTMLSelectElement
            ? ''
            : element.textContent,
          element.getAttribute('title') ?? '',
        ].join('');
        return name.trim() === '';
      })
      .map((element) => element.outerHTML.slice(0, 160)),
  );
}

/**
 * After a reload, a chat sealed with the passkey's PRF output is locked until a passkey is asked
 * again: unlocks it with the page's virtual authenticator, as a person would, and waits for the
 * chat to open. Does nothing where the chat opens without it (a passkey without PRF).
 */
export async function unlockChatIfLocked(page: Page): Promise<void> {
  const settled =
    '.chat-gate:is([data-chat="locked"], [data-chat="ready"], [data-chat="unavailable"])';
  await page.locator(settled).waitFor({ timeout: 20_000 });
  if ((await page.locator('.chat-gate[data-chat="locked"]').count()) === 0) return;
  await page.getByRole('button', { name: 'Unlock with passkey' }).click();
  await page.locator('.chat-gate[data-chat="ready"]').waitFor({ timeout: 20_000 });
}
