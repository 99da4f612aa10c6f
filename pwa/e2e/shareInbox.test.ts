import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPhoneAndDesktop, unlockChatIfLocked } from './browser.js';
import {
  openBrowser,
  startTwoPeople,
  type TwoPeople,
  OPEN_CONVERSATION_URL,
  openConversationWith,
} from './people.js';
import { searchDirectory } from './searchDirectory.js';

/*
 * Files another app shares to VaultRoom (Web Share Target) while the chat is locked: what the
 * browser keeps of them until the chat is unlocked. The markers are random, so a hit in the
 * profile is this test's file and nothing else.
 */

const marker = (what: string): string => `${what}-${randomBytes(9).toString('hex')}`;
const INBOX = 'vaultroom-share-inbox';

/**
 * What the system's share sheet does: a navigation that POSTs the files as multipart form data
 * to the manifest's share_target, which the service worker takes. The file is made inside the
 * page, so it exists nowhere on disk but where the browser puts it.
 */
async function shareFromAnotherApp(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ([fileName, content]) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = '/share';
      form.enctype = 'multipart/form-data';
      const input = document.createElement('input');
      input.type = 'file';
      input.name = 'files';
      const files = new DataTransfer();
      files.items.add(new File([content ?? ''], fileName ?? '', { type: 'text/plain' }));
      input.files = files.files;
      form.append(input);
      document.body.append(form);
      form.submit();
    },
    [name, text],
  );
}

/** Waits until the page's service worker controls it, so a share goes through the worker. */
async function waitForWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
    .toBe(true);
}

describe('files shared from another app, while the chat is locked', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await startTwoPeople();
  }, 90_000);

  afterAll(async () => {
    await people.close();
  });

  it('refuses a share in a browser where the chat was never opened, and keeps nothing', async () => {
    const visitor = await openBrowser(people.relay, 'visitor');
    try {
      const { page } = visitor;
      await page.goto(`${people.origin}/`);
      await waitForWorker(page);
      const content = marker('refused');
      await shareFromAnotherApp(page, 'refused.txt', content);
      const heading = page.getByRole('heading', { name: 'VaultRoom cannot take these files yet' });
      await expect.poll(() => heading.count(), { timeout: 15_000 }).toBe(1);
      await screenshotPhoneAndDesktop(page, 'share-refused');
      expect(await page.evaluate((name) => caches.has(name), INBOX)).toBe(false);
      await page.getByRole('link', { name: 'Open VaultRoom' }).click();
      await page.waitForURL(`${people.origin}/**`);
      await visitor.browser.context.close();
      expect(searchDirectory(visitor.browser.home, [content])).toEqual([]);
    } finally {
      await visitor.browser.close();
    }
  }, 60_000);

  /** Reloads Alice's page, which locks the chat, and shares a file from another app. */
  async function shareWhileLocked(page: Page, name: string, content: string): Promise<void> {
    await page.reload();
    await page.locator('.chat-gate[data-chat="locked"]').waitFor({ timeout: 20_000 });
    await waitForWorker(page);
    await shareFromAnotherApp(page, name, content);
    await page.waitForURL(`${people.origin}/conversations?share=1`);
    await page.locator('.chat-gate[data-chat="locked"]').waitFor({ timeout: 20_000 });
  }

  /** About 110 KB, so two chunks, with a marker at each end. */
  const noteText = (what: string) =>
    `${marker(`${what}-head`)}\n${'line of a shared note\n'.repeat(5000)}${marker(`${what}-tail`)}`;

  it('offers a file shared while locked at the next unlock, and it arrives intact', async () => {
    const { alice, bob, origin } = people;
    const { page } = alice;
    // A conversation to send the file to.
    await openConversationWith(page, 'bob');
    const content = noteText('sent');
    await shareWhileLocked(page, 'note.txt', content);
    await screenshotPhoneAndDesktop(page, 'share-waiting-locked');
    // The person comes back later, to the app's list rather than the share's landing page.
    await page.goto(`${origin}/conversations`);
    await unlockChatIfLocked(page);
    const picker = page.getByRole('dialog', { name: 'Send shared files' });
    await expect.poll(() => picker.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => picker.textContent()).toContain('1 file(s)');
    await screenshotPhoneAndDesktop(page, 'share-offered-after-unlock');
    // Out of the inbox as soon as it is offered.
    expect(await page.evaluate((name) => caches.has(name), INBOX)).toBe(false);
    await picker.getByRole('button', { name: '@bob' }).click();
    await expect.poll(() => page.url()).toMatch(OPEN_CONVERSATION_URL);

    const row = bob.page.getByRole('link', { name: /^@alice/ });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await row.first().click();
    const card = bob.page.locator('.attachment', { hasText: 'note.txt' });
    await expect.poll(() => card.count(), { timeout: 20_000 }).toBe(1);
    await card.getByRole('button', { name: 'Download' }).click();
    const save = card.getByRole('button', { name: 'Save' });
    await expect.poll(() => save.count(), { timeout: 20_000 }).toBe(1);
    const [download] = await Promise.all([bob.page.waitForEvent('download'), save.click()]);
    expect(download.suggestedFilename()).toBe('note.txt');
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe(content);
  }, 120_000);

  it('keeps a file shared while locked only as ciphertext: a closed browser’s profile holds none of it', async () => {
    const { page, browser } = people.alice;
    const content = noteText('kept');
    await shareWhileLocked(page, 'kept.txt', content);
    // The file is kept (one entry in the inbox), for the next unlock.
    expect(
      await page.evaluate(async (name) => (await (await caches.open(name)).keys()).length, INBOX),
    ).toBe(1);
    // A control the browser must keep, to show the profile was written before it is searched.
    const control = marker('control');
    await page.evaluate((value) => {
      localStorage.setItem('share-at-rest-control', value);
    }, control);
    await browser.context.close();
    expect(searchDirectory(browser.home, [control]).length).toBeGreaterThan(0);
    const head = content.slice(0, content.indexOf('\n'));
    const tail = content.slice(content.lastIndexOf('\n') + 1);
    expect(searchDirectory(browser.home, [head, tail, 'line of a shared note'])).toEqual([]);
  }, 60_000);
});
