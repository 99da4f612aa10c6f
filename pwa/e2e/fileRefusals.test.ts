import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPhoneAndDesktop } from './browser.js';
import {
  bubble,
  noAxeViolations,
  startTwoPeople,
  type TwoPeople,
  openConversationWith,
} from './people.js';

/*
 * Files the relay refuses for good: one over its maximum size, and one past the account's quota.
 * The relay here takes files of at most 1 MiB and keeps at most 2 MiB per account. The app must
 * say why in the conversation, keep the message with Retry and Remove, and lose nothing else.
 */

const KIB = 1024;

async function attach(page: Page, name: string, bytes: number): Promise<void> {
  await page
    .locator('input[type="file"]')
    .setInputFiles([
      { name, mimeType: 'application/octet-stream', buffer: Buffer.alloc(bytes, name.length) },
    ]);
}

const stateOf = (page: Page, name: string) =>
  bubble(page, name).locator('.bubble__state').textContent();

describe('files the relay refuses, in the app', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await startTwoPeople(['--max-file-mb', '1', '--blob-quota-mb', '2']);
  }, 90_000);

  afterAll(async () => {
    await people.close();
  });

  it('says a file is over the relay’s maximum, keeps it with Retry and Remove, and Remove takes it away', async () => {
    const { page } = people.alice;
    await openConversationWith(page, 'bob');
    await attach(page, 'too-big.bin', 1536 * KIB);
    const refused = bubble(page, 'too-big.bin');
    await expect
      .poll(() => refused.locator('.bubble__failure').textContent(), { timeout: 20_000 })
      .toBe('This file is larger than the relay accepts.');
    expect(await stateOf(page, 'too-big.bin')).toContain('Not sent');
    await expect.poll(() => refused.getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await noAxeViolations(page, 'a refused file');
    await screenshotPhoneAndDesktop(page, 'files-refused-too-large');
    // Nothing else is lost: a message after it goes through.
    const composer = page.getByLabel('Message to @bob');
    await composer.fill('after the refusal');
    await composer.press('Enter');
    await expect
      .poll(() => stateOf(page, 'after the refusal'), { timeout: 20_000 })
      .toMatch(/Sent|Delivered|Read/);
    await refused.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => bubble(page, 'too-big.bin').count()).toBe(0);
    await expect.poll(() => bubble(page, 'after the refusal').count()).toBe(1);
  }, 60_000);

  it('says the account’s storage on the relay is full, keeps the file, and the files before it arrive', async () => {
    const { page } = people.alice;
    for (const name of ['first.bin', 'second.bin']) {
      await attach(page, name, 900 * KIB);
      await expect
        .poll(() => stateOf(page, name), { timeout: 20_000 })
        .toMatch(/Sent|Delivered|Read/);
    }
    await attach(page, 'third.bin', 900 * KIB);
    const refused = bubble(page, 'third.bin');
    await expect
      .poll(() => refused.locator('.bubble__failure').textContent(), { timeout: 20_000 })
      .toBe('Your storage on the relay is full. Files sent earlier are removed after a while.');
    await expect.poll(() => refused.getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await expect.poll(() => refused.getByRole('button', { name: 'Remove' }).count()).toBe(1);
    await screenshotPhoneAndDesktop(page, 'files-refused-quota');
    // Retrying while still over the quota is refused the same way, and still loses nothing.
    await refused.getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(
        () => page.locator('.bubble__failure', { hasText: 'storage on the relay is full' }).count(),
        {
          timeout: 20_000,
        },
      )
      .toBe(1);
    await expect.poll(() => bubble(page, 'third.bin').count()).toBe(2);

    const b = people.bob.page;
    const row = b.getByRole('link', { name: /^@alice/ });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await row.first().click();
    for (const name of ['first.bin', 'second.bin', 'after the refusal']) {
      await expect.poll(() => bubble(b, name).count(), { timeout: 20_000 }).toBe(1);
    }
    expect(await bubble(b, 'third.bin').count()).toBe(0);
    expect(await bubble(b, 'too-big.bin').count()).toBe(0);
  }, 90_000);
});
