import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import path from 'node:path';
import { encodeBase64Url, encodeHex } from '@vaultroom/shared';
import { decodeServerFrame } from '@vaultroom/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoPeople, type TwoPeople, openConversationWith } from './people.js';
import { searchDirectory } from './searchDirectory.js';
import { unlockChatIfLocked } from './browser.js';

/*
 * What a copy of the browser's data gives away once the app is closed (and its store locked): no
 * message text, sent, received or left as a draft, in any file the browser wrote, in UTF-8,
 * UTF-16 or base64. The markers are random, so a hit is this test's text and nothing else.
 */

const marker = (what: string): string => `${what}-${randomBytes(9).toString('hex')}`;

describe('nothing readable at rest in a closed browser’s profile', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await startTwoPeople();
  }, 90_000);

  afterAll(async () => {
    await people.close();
  });

  it('holds no message text or draft of Alice’s, nor the ids of her messages and contacts’ devices', async () => {
    const { alice, bob } = people;
    const received: Uint8Array[] = [];
    alice.page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string') return;
        const frame = decodeServerFrame(new Uint8Array(payload));
        if (frame.t === 'deliver') received.push(...frame.envelopes.map((e) => e.msg));
      });
    });
    // The app's socket opened at sign-up, before the listener: a reload opens one it sees.
    await alice.page.reload();
    await unlockChatIfLocked(alice.page);
    const sent = marker('sent');
    const reply = marker('reply');
    const draft = marker('draft');

    await openConversationWith(alice.page, 'bob');
    const composer = alice.page.getByLabel('Message to @bob');
    await composer.fill(sent);
    await composer.press('Enter');
    const bobRow = bob.page.getByRole('link', { name: /@alice/ });
    await bobRow.waitFor({ timeout: 15_000 });
    await bobRow.click();
    await bob.page.getByLabel('Message to @alice').fill(reply);
    await bob.page.getByLabel('Message to @alice').press('Enter');
    await alice.page.locator('.bubble__text', { hasText: reply }).waitFor({ timeout: 15_000 });
    // A draft typed and left, as someone interrupted would: the app keeps it, sealed.
    await composer.fill(draft);
    await expect.poll(() => received.length, { timeout: 15_000 }).toBeGreaterThan(0);

    const relayDb = new SQLite(path.join(people.relay.dataDir, 'relay.db'), { readonly: true });
    const bobDevices = relayDb
      .prepare(
        'SELECT d.id FROM devices d JOIN accounts u ON u.id = d.account_id WHERE u.handle = ?',
      )
      .all('bob') as { id: string }[];
    relayDb.close();
    expect(bobDevices.length).toBeGreaterThan(0);

    // A control the browser must keep, to show the profile was written before it is searched.
    const control = marker('control');
    await alice.page.evaluate((value) => {
      localStorage.setItem('at-rest-control', value);
    }, control);
    // Leaving the conversation saves the draft; coming back shows it read from the sealed store,
    // and the field holds it when the browser closes, as it would for someone interrupted.
    await alice.page.getByRole('link', { name: 'Conversations' }).click();
    await alice.page.getByRole('link', { name: /@bob/ }).click();
    await expect.poll(() => composer.inputValue()).toBe(draft);
    await alice.browser.context.close();
    expect(searchDirectory(alice.browser.home, [control]).length).toBeGreaterThan(0);
    const texts = searchDirectory(alice.browser.home, [sent, reply, draft]);
    expect(texts).toEqual([]);
    // Nor her account's handle as the app would write it: it is sealed in the chat store.
    expect(searchDirectory(alice.browser.home, ['"handle":"alice"'])).toEqual([]);
    // Nor whom she writes to, in the addresses and page titles the browser keeps for itself
    // (history, session restore): a conversation's address and title name no one.
    expect(searchDirectory(alice.browser.home, ['conversations/bob', '@bob \u00b7'])).toEqual([]);
    // Nor the ids of the messages she received, or of Bob's devices: the chat's keys hide them.
    const ids = searchDirectory(alice.browser.home, [
      ...received.flatMap((id) => [encodeHex(id), encodeBase64Url(id)]),
      ...bobDevices.map((device) => device.id),
    ]);
    expect(ids).toEqual([]);
  }, 120_000);
});
