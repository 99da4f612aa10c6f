import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import fs from 'node:fs';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  addVirtualAuthenticator,
  launchBrowser,
  screenshot,
  signedOutCheck,
  watchProblems,
  type Browser,
  type PageProblems,
  type VirtualAuthenticator,
} from './browser.js';

/** One person with their own browser profile and passkey, as the chat tests use them. */
export interface Person {
  readonly handle: string;
  readonly browser: Browser;
  readonly page: Page;
  readonly problems: PageProblems;
  /** The person's passkey device; a test may swap it for another. */
  authenticator: VirtualAuthenticator;
}

export async function openBrowser(
  relay: RelayProcess,
  handle: string,
  options: { readonly prf?: boolean; readonly display?: string } = {},
): Promise<Person> {
  const browser = await launchBrowser(
    relay.caPem(),
    options.display === undefined ? {} : { display: options.display },
  );
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const problems = await watchProblems(page, signedOutCheck);
  const authenticator = await addVirtualAuthenticator(page, options);
  return { handle, browser, page, problems, authenticator };
}

/** Signs up through an invite link, as a person would, and waits for the conversations. */
export async function signUp(person: Person, link: string, origin: string): Promise<void> {
  const { page } = person;
  await page.goto(link, { waitUntil: 'networkidle' });
  await page.getByLabel('Handle').fill(person.handle);
  await page
    .getByLabel('Display name')
    .fill(`${person.handle[0]?.toUpperCase() ?? ''}${person.handle.slice(1)}`);
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.waitForURL(`${origin}/conversations`);
}

/** A relay with two people on it: Alice, its first admin, and Bob, whom she invited. */
export interface TwoPeople {
  readonly relay: RelayProcess;
  readonly origin: string;
  readonly alice: Person;
  readonly bob: Person;
  /** Closes both browsers, stops the relay and removes its data. */
  close(): Promise<void>;
}

/** `relayArgs` are more flags for the relay, e.g. a small quota. */
export async function startTwoPeople(relayArgs: readonly string[] = []): Promise<TwoPeople> {
  const relay = await startRelayProcess({
    env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' },
    args: [...relayArgs],
  });
  const origin = `https://vaultroom.local:${String(relay.httpsPort)}`;
  const [alice, bob] = await Promise.all([openBrowser(relay, 'alice'), openBrowser(relay, 'bob')]);
  await signUp(alice, relay.adminInvite() ?? '', origin);
  await signUp(bob, await createInvite(alice.page), origin);
  return {
    relay,
    origin,
    alice,
    bob,
    async close() {
      await alice.browser.close();
      await bob.browser.close();
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    },
  };
}

/** A one-use member invite, made by the signed-in admin on `page`. */
export async function createInvite(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const response = await fetch('/api/invites', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'member', maxUses: 1, expiresInHours: 1 }),
    });
    return ((await response.json()) as { link: string }).link;
  });
}

/**
 * Switches the emulated colour scheme and waits until the page shows it: the emulation reaches
 * the page a moment later, and colours then transition, so axe must not read them before.
 */
export async function useColorScheme(page: Page, scheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction(
    (dark) => matchMedia('(prefers-color-scheme: dark)').matches === dark,
    scheme === 'dark',
  );
  await page.evaluate(async () => {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    // Transitions only: a spinner's animation never finishes.
    const transitions = document.getAnimations().filter((a) => a instanceof CSSTransition);
    await Promise.all(transitions.map((transition) => transition.finished));
  });
}

export async function noAxeViolations(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    // The elements, not just a count: a failure then says where to look.
    results.violations.map(
      (violation) =>
        `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    ),
    where,
  ).toEqual([]);
}

/** Phone and desktop screenshots of the current screen, back at desktop size after. */
export async function shoot(page: Page, name: string): Promise<void> {
  const offlineReady = page.locator('.notice--quiet').getByRole('button', { name: 'Dismiss' });
  // Another notice may sit above it at some widths: press it directly.
  if ((await offlineReady.count()) > 0)
    await offlineReady.evaluate((button: HTMLElement) => {
      button.click();
    });
  for (const [width, height] of [
    [360, 760],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * Submits a new-conversation form until the app opens the conversation: someone who has just
 * signed up registers their device a moment later, and until then the relay has no keys to give.
 * Resolves to the conversation's URL.
 */
export async function submitUntilOpened(
  page: Page,
  submit: () => Promise<void>,
  opened: RegExp,
): Promise<string> {
  await expect
    .poll(
      async () => {
        if (opened.test(page.url())) return page.url();
        await submit();
        // Until the relay answers, the form is busy and its button disabled: wait for the answer.
        await page
          .locator('form.new-conversation[aria-busy="true"]')
          .waitFor({ state: 'detached' });
        await page.waitForTimeout(100);
        if (opened.test(page.url())) return page.url();
        // What the form said, so that a failure shows why it did not open.
        const said = await page.locator('form.new-conversation [role="alert"]').allTextContents();
        return `${page.url()} (${said.join(' ') || 'no message'})`;
      },
      { timeout: 20_000 },
    )
    .toMatch(opened);
  return page.url();
}

/** An open conversation's address: an opaque route, never a handle or a group id. */
export const OPEN_CONVERSATION_URL = /\/conversations\/[\w-]{22}$/;

export const bubble = (page: Page, text: string) => page.locator('.bubble', { hasText: text });

/** Starts (or reopens) the conversation with `handle` from the list: resolves to its URL. */
export async function openConversationWith(page: Page, handle: string): Promise<string> {
  await page.getByRole('button', { name: 'New conversation' }).click();
  return submitUntilOpened(
    page,
    async () => {
      await page.getByLabel('Their handle').fill(handle);
      await page.getByRole('button', { name: 'Start' }).click();
    },
    OPEN_CONVERSATION_URL,
  );
}
