import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../../relay/test/relayProcess.js';
import { unlockChatIfLocked } from './browser.js';
import {
  bubble,
  noAxeViolations,
  openBrowser,
  shoot,
  submitUntilOpened,
  startTwoPeople,
  type Person,
  type TwoPeople,
  OPEN_CONVERSATION_URL,
} from './people.js';

describe('two people chat end to end in Chromium, over a real relay', () => {
  let relay: RelayProcess;
  let origin: string;
  let alice: Person;
  let bob: Person;

  let people: TwoPeople;

  beforeAll(async () => {
    people = await startTwoPeople();
    ({ relay, origin, alice, bob } = people);
  });

  afterAll(async () => {
    await people.close();
  });

  it('starts a conversation by handle and exchanges messages both ways with receipts', async () => {
    const { page } = alice;
    // Checkpoints told with the messages and receipts (PROTOCOL.md §1.8.3) are compared through
    // the real relay's proofs: an honest relay gives neither side anything to report.
    const logTrouble: string[] = [];
    for (const { page: each } of [alice, bob]) {
      each.on('console', (message) => {
        if (/chat: (log-fork|log-inconsistent|checkpoint-)/.test(message.text())) {
          logTrouble.push(message.text());
        }
      });
    }
    await expect.poll(() => page.getByText('No conversations yet').count()).toBe(1);
    await noAxeViolations(page, 'empty conversation list');
    await shoot(page, 'chat-empty');

    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByLabel('Their handle').fill('nobody');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect
      .poll(() => page.getByText('No one on this relay has that handle.').count())
      .toBe(1);

    const url = await submitUntilOpened(
      page,
      async () => {
        await page.getByLabel('Their handle').fill('bob');
        await page.getByRole('button', { name: 'Start' }).click();
      },
      OPEN_CONVERSATION_URL,
    );
    expect(url).toMatch(OPEN_CONVERSATION_URL);
    // The browser keeps its history outside the sealed store: no handle in the address.
    expect(url).not.toContain('bob');
    await expect.poll(() => page.getByText('Only you and @bob can read them').count()).toBe(1);

    // What Bob's app puts on its icon (Badging API): recorded as it is called.
    await bob.page.evaluate(() => {
      const shown: number[] = [];
      Object.assign(window, { appBadges: shown });
      navigator.setAppBadge = (count?: number) => {
        shown.push(count ?? 0);
        return Promise.resolve();
      };
      navigator.clearAppBadge = () => {
        shown.push(0);
        return Promise.resolve();
      };
    });
    const lastBadge = () =>
      bob.page.evaluate(() => (window as unknown as { appBadges: number[] }).appBadges.at(-1));

    const composer = page.getByLabel('Message to @bob');
    await composer.fill('Hello Bob, this is Alice.');
    await composer.press('Enter');
    await expect.poll(() => bubble(page, 'Hello Bob').count()).toBe(1);
    await expect
      .poll(() => bubble(page, 'Hello Bob').textContent(), { timeout: 15_000 })
      .toContain('Delivered');

    const bobPage = bob.page;
    const row = bobPage.getByRole('link', { name: /@alice/ });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.textContent()).toContain('Hello Bob, this is Alice.');
    expect(await row.textContent()).toContain('1 unread');
    await expect.poll(lastBadge).toBe(1);
    await noAxeViolations(bobPage, 'conversation list with unread');
    await shoot(bobPage, 'chat-list-unread');

    await row.click();
    await expect.poll(() => bubble(bobPage, 'Hello Bob').count()).toBe(1);
    await expect.poll(lastBadge).toBe(0);
    await expect
      .poll(() => bubble(page, 'Hello Bob').textContent(), { timeout: 15_000 })
      .toContain('Read');

    const bobComposer = bobPage.getByLabel('Message to @alice');
    await bobComposer.fill('Hi Alice! Got it.');
    // Typing travels as encrypted content: Alice sees it in the conversation and in her list.
    await expect.poll(() => page.getByText('@bob is typing…').count(), { timeout: 15_000 }).toBe(1);
    const bobRow = page.locator('.conversation-row', { hasText: '@bob' });
    expect(await bobRow.locator('.conversation-row__preview').textContent()).toBe('typing…');
    await bobComposer.press('Enter');
    await expect.poll(() => bubble(page, 'Hi Alice! Got it.').count(), { timeout: 15_000 }).toBe(1);
    // The message itself ends the typing notice.
    expect(await page.getByText('@bob is typing…').count()).toBe(0);
    await expect
      .poll(() => bubble(bobPage, 'Hi Alice').textContent(), { timeout: 15_000 })
      .toContain('Read');
    // Bob reacts; Alice sees it under her message.
    await bubble(bobPage, 'Hello Bob')
      .getByRole('button', { name: 'React to this message' })
      .click();
    await bobPage.getByRole('button', { name: 'React with 👍' }).click();
    await expect
      .poll(() => bubble(page, 'Hello Bob').getByText('Reactions: 👍 @bob').count(), {
        timeout: 15_000,
      })
      .toBe(1);

    // Bob answers that message; Alice sees his reply with the quote.
    await bubble(bobPage, 'Hello Bob').getByRole('button', { name: 'Reply' }).click();
    await expect.poll(() => bobPage.getByText('Replying to @alice').count()).toBe(1);
    await bobComposer.fill('Quoting you here.');
    await bobComposer.press('Enter');
    const reply = bubble(page, 'Quoting you here.');
    await expect.poll(() => reply.count(), { timeout: 15_000 }).toBe(1);
    expect(await reply.locator('blockquote').textContent()).toContain('Hello Bob, this is Alice.');
    expect(logTrouble).toEqual([]);
    expect(await page.locator('[data-notice="log-warning"]').count()).toBe(0);

    // Alice turns on disappearing messages; Bob's conversation shows who set what.
    await page.getByLabel('Disappearing messages').selectOption({ label: '1 day' });
    await expect
      .poll(() => bobPage.getByText('@alice set messages to disappear after 1 day.').count(), {
        timeout: 15_000,
      })
      .toBe(1);
    expect(await bobPage.getByLabel('Disappearing messages').inputValue()).toBe('86400');
    // One date above each day's first message, not one per message.
    const days = await page.locator('.conversation__day').allTextContents();
    expect(days.at(-1)).toBe('Today');
    expect(new Set(days).size).toBe(days.length);

    await noAxeViolations(page, 'open conversation');
    await shoot(page, 'chat-conversation');
    await shoot(bobPage, 'chat-conversation-bob');
  });

  it('shows the same safety number on both sides and records the verification', async () => {
    const read = async (page: Page) => {
      await page.getByRole('button', { name: 'Safety number' }).click();
      const number = page.getByTestId('safety-number');
      await expect.poll(() => number.count(), { timeout: 15_000 }).toBe(1);
      await expect
        .poll(() => page.getByRole('img', { name: 'QR code of the safety number' }).count())
        .toBe(1);
      return (await number.textContent())?.replace(/\D/g, '') ?? '';
    };
    const atAlice = await read(alice.page);
    const atBob = await read(bob.page);
    expect(atAlice).toMatch(/^\d{60}$/);
    expect(atBob).toBe(atAlice);
    await noAxeViolations(alice.page, 'safety number');
    await shoot(alice.page, 'chat-safety-number');

    await alice.page.getByRole('button', { name: 'Mark as verified' }).click();
    await expect.poll(() => alice.page.getByText('You verified @bob').count()).toBe(1);
    await alice.page.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => alice.page.locator('.conversation__status').textContent())
      .toBe('Verified');
  });

  it('keeps working offline: reloads from the service worker, keeps the draft, sends once back online', async () => {
    const { page, browser } = alice;
    await page.reload({ waitUntil: 'networkidle' });
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
      .toBe(true);
    await browser.context.setOffline(true);
    await page.reload();
    await unlockChatIfLocked(page);
    await expect.poll(() => bubble(page, 'Hi Alice! Got it.').count(), { timeout: 15_000 }).toBe(1);

    const composer = page.getByLabel('Message to @bob');
    await composer.fill('A draft written offline');
    await page.waitForTimeout(600); // saved as typed, after a short pause
    await page.reload();
    await unlockChatIfLocked(page);
    await expect
      .poll(() => page.getByLabel('Message to @bob').inputValue(), { timeout: 15_000 })
      .toBe('A draft written offline');

    await page.getByLabel('Message to @bob').press('Enter');
    await expect
      .poll(() => bubble(page, 'A draft written offline').textContent())
      .toContain('Waiting to send');
    await shoot(page, 'chat-offline');

    await browser.context.setOffline(false);
    await expect
      .poll(() => bubble(bob.page, 'A draft written offline').count(), { timeout: 30_000 })
      .toBe(1);
    await expect
      .poll(() => bubble(page, 'A draft written offline').textContent(), { timeout: 15_000 })
      .toContain('Read');
    // Sent once: the retry after reconnecting reused the message id.
    await bob.page.waitForTimeout(1000);
    expect(await bubble(bob.page, 'A draft written offline').count()).toBe(1);
  });

  it("keeps Bob's safety number when he signs in on a new device with his passkey, and reaches both devices", async () => {
    // Bob's passkey, synced to a new phone: a new device with new keys, under his account key.
    const phone = await openBrowser(relay, 'bob');
    try {
      for (const credential of await bob.authenticator.credentials()) {
        await phone.authenticator.addCredential(credential);
      }
      await phone.page.goto(`${origin}/sign-in`, { waitUntil: 'networkidle' });
      await phone.page.waitForURL(`${origin}/conversations`, { timeout: 20_000 });
      // The phone opens the account key sealed under the passkey and certifies itself. Where the
      // authenticator gives the copied passkey no PRF output, it waits for approval instead, and
      // Bob approves it on his laptop with the code it shows (PROTOCOL.md §1.15.7).
      await unlockChatIfLocked(phone.page);
      await phone.page.getByRole('link', { name: 'Settings' }).click();
      const code = phone.page.getByTestId('link-code');
      const certified = phone.page.getByText('No device is waiting for approval.');
      await expect
        .poll(async () => (await code.count()) + (await certified.count()), { timeout: 20_000 })
        .toBe(1);
      if ((await code.count()) === 1) {
        const shown = /([0-9A-Z]{4}-){3}[0-9A-Z]{4}/.exec(await code.innerText())?.[0] ?? '';
        await bob.page.getByRole('link', { name: 'Settings' }).click();
        const field = bob.page.getByLabel(/Code shown on device/);
        await expect.poll(() => field.count(), { timeout: 20_000 }).toBe(1);
        await field.fill(shown);
        await bob.page.getByRole('button', { name: 'Approve' }).click();
        await expect.poll(() => certified.count(), { timeout: 20_000 }).toBe(1);
        await bob.page.getByRole('link', { name: 'Conversations' }).click();
        await bob.page.locator('.conversation-row', { hasText: '@alice' }).click();
      }
      await expect
        .poll(
          async () => {
            await phone.page.goto(`${origin}/conversations?new=1`);
            await unlockChatIfLocked(phone.page);
            await phone.page.getByLabel('Their handle').fill('alice');
            await phone.page.getByRole('button', { name: 'Start' }).click();
            await phone.page.waitForTimeout(500);
            return phone.page.url();
          },
          { timeout: 20_000 },
        )
        .toMatch(OPEN_CONVERSATION_URL);
      const composer = phone.page.getByLabel('Message to @alice');
      await composer.fill('New phone, same Bob.');
      await composer.press('Enter');

      const { page } = alice;
      await expect
        .poll(() => bubble(page, 'New phone, same Bob.').count(), { timeout: 20_000 })
        .toBe(1);
      // A device his account key certifies changes nothing Alice verified: no notice, no pause.
      expect(await page.getByRole('alert').filter({ hasText: 'safety number' }).count()).toBe(0);
      expect(await page.getByLabel('Message to @bob').isDisabled()).toBe(false);
      await expect.poll(() => page.locator('.conversation__status').innerText()).toBe('Verified');
      await page.getByLabel('Message to @bob').fill('Welcome back, Bob.');
      await page.getByLabel('Message to @bob').press('Enter');
      // Both of Bob's devices receive it.
      await expect
        .poll(() => bubble(phone.page, 'Welcome back, Bob.').count(), { timeout: 20_000 })
        .toBe(1);
      await expect
        .poll(() => bubble(bob.page, 'Welcome back, Bob.').count(), { timeout: 20_000 })
        .toBe(1);

      // Read on the laptop, where the conversation is open, is read on the phone too: its list
      // shows the new message with no unread count.
      await phone.page.getByRole('link', { name: 'Conversations' }).click();
      const row = phone.page.locator('.conversation-row', { hasText: '@alice' });
      await page.getByLabel('Message to @bob').fill('Read it on either.');
      await page.getByLabel('Message to @bob').press('Enter');
      await expect
        .poll(() => bubble(bob.page, 'Read it on either.').count(), { timeout: 20_000 })
        .toBe(1);
      await expect
        .poll(
          async () =>
            `${await row.locator('.conversation-row__preview').innerText()}, ` +
            `unread: ${String(await row.locator('.badge').count())}`,
          { timeout: 20_000 },
        )
        .toBe('Read it on either., unread: 0');
      await expect
        .poll(() => bubble(page, 'Read it on either.').locator('.bubble__state').textContent(), {
          timeout: 20_000,
        })
        .toContain('Read');
      expect(phone.problems.cspViolations).toEqual([]);
    } finally {
      await phone.browser.close();
    }
  });

  it('tells in Settings what this browser keeps and what clearing it loses', async () => {
    const { page } = bob;
    await page.getByRole('link', { name: 'Settings' }).click();
    const section = page.locator('section[aria-labelledby="device-storage-title"]');
    await expect.poll(() => section.count()).toBe(1);
    expect(await section.textContent()).toContain('deletes them for good');
    await expect
      .poll(() => section.getByRole('status').textContent())
      .toMatch(/will not clear them|may clear them|does not say/);
    await noAxeViolations(page, 'settings');
  });

  it('leaves no console errors or CSP violations behind', () => {
    expect(alice.problems.cspViolations).toEqual([]);
    expect(bob.problems.cspViolations).toEqual([]);
    expect(
      alice.problems.consoleErrors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED')),
    ).toEqual([]);
    expect(bob.problems.consoleErrors).toEqual([]);
  });
});
