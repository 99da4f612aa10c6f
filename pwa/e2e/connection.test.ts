import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockChatIfLocked } from './browser.js';
import {
  bubble,
  startTwoPeople,
  submitUntilOpened,
  type Person,
  type TwoPeople,
} from './people.js';

/**
 * The `/ws` sockets a page opened and has not closed, as DevTools reports them. A navigation
 * ends the old document's sockets without a `webSocketClosed`: the count starts over there (the
 * events of one session arrive in order, so none of the new document's is lost).
 */
async function watchRelaySockets(cdp: CDPSession) {
  const open = new Set<string>();
  let created = 0;
  cdp.on('Network.webSocketCreated', (event) => {
    if (!event.url.endsWith('/ws')) return;
    created += 1;
    open.add(event.requestId);
  });
  cdp.on('Network.webSocketClosed', (event) => {
    open.delete(event.requestId);
  });
  cdp.on('Page.frameNavigated', (event) => {
    if (event.frame.parentId === undefined) open.clear();
  });
  await cdp.send('Page.enable');
  await cdp.send('Network.enable');
  return { open: () => open.size, created: () => created };
}

/** The state a bubble shows for an outgoing message: queued, sent, delivered, read or failed. */
const stateOf = (person: Person, text: string) =>
  bubble(person.page, text)
    .locator('.bubble__state')
    .getAttribute('class')
    .then((classes) => /bubble__state--(\w+)/.exec(classes ?? '')?.[1] ?? 'none');

describe('one relay connection per tab', () => {
  let people: TwoPeople;
  let alice: Person;
  let sockets: Awaited<ReturnType<typeof watchRelaySockets>>;

  beforeAll(async () => {
    people = await startTwoPeople();
    ({ alice } = people);
    sockets = await watchRelaySockets(await alice.page.context().newCDPSession(alice.page));
  });

  afterAll(async () => {
    await people.close();
  });

  it('starts a conversation, as the rest needs', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'New conversation' }).click();
    await submitUntilOpened(
      page,
      async () => {
        await page.getByLabel('Their handle').fill('bob');
        await page.getByRole('button', { name: 'Start' }).click();
      },
      /\/conversations\/bob$/,
    );
    const composer = page.getByLabel('Message to @bob');
    await composer.fill('Hello Bob');
    await composer.press('Enter');
    await expect
      .poll(() => stateOf(alice, 'Hello Bob'), { timeout: 15_000 })
      .toMatch(/delivered|read/);
  });

  it('holds exactly one /ws socket while signed in, with the chat locked and once it is open', async () => {
    const { page } = alice;
    await page.reload();
    await page.locator('.chat-gate[data-chat="locked"]').waitFor({ timeout: 20_000 });
    // Locked: the socket says hello without a device, so the relay can still end the session.
    await expect.poll(() => [sockets.created(), sockets.open()]).toEqual([1, 1]);
    await unlockChatIfLocked(page);
    // The chat took the connection over with its device: one closed, one open.
    await expect.poll(() => [sockets.created(), sockets.open()]).toEqual([2, 1]);
    const composer = page.getByLabel('Message to @bob');
    await composer.fill('After the reload');
    await composer.press('Enter');
    await expect
      .poll(() => stateOf(alice, 'After the reload'), { timeout: 15_000 })
      .toMatch(/delivered|read/);
    expect([sockets.created(), sockets.open()]).toEqual([2, 1]);
  });

  it('broke no policy and logged no error', () => {
    const { alice: a, bob: b } = people;
    expect(a.problems.cspViolations).toEqual([]);
    expect(b.problems.cspViolations).toEqual([]);
    expect(a.problems.consoleErrors).toEqual([]);
    expect(b.problems.consoleErrors).toEqual([]);
  });
});
