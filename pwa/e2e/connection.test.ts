import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockChatIfLocked } from './browser.js';
import {
  bubble,
  startTwoPeople,
  type Person,
  type TwoPeople,
  openConversationWith,
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

/** What DevTools' own Offline switch does to a page: its requests fail, and it is told so. */
async function setPageOffline(cdp: CDPSession, offline: boolean): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

/** The state a bubble shows for an outgoing message: queued, sent, delivered, read or failed. */
const stateOf = (person: Person, text: string) =>
  bubble(person.page, text)
    .locator('.bubble__state')
    .getAttribute('class')
    .then((classes) => /bubble__state--(\w+)/.exec(classes ?? '')?.[1] ?? 'none');

describe('one relay connection per tab, back as soon as the network is', () => {
  let people: TwoPeople;
  let alice: Person;
  let pageSession: CDPSession;
  let sockets: Awaited<ReturnType<typeof watchRelaySockets>>;

  beforeAll(async () => {
    people = await startTwoPeople();
    ({ alice } = people);
    pageSession = await alice.page.context().newCDPSession(alice.page);
    sockets = await watchRelaySockets(pageSession);
  });

  afterAll(async () => {
    await people.close();
  });

  it('starts a conversation, as the rest needs', async () => {
    const { page } = alice;
    await openConversationWith(page, 'bob');
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

  it(
    'sends a message written during 60 s offline within 2 s of the network coming back',
    {
      timeout: 120_000,
    },
    async () => {
      const { page, browser } = alice;
      await expect
        .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
        .toBe(true);
      // Offline emulation leaves an open WebSocket be, where a lost network would end it: the
      // page starts offline instead (from the service worker), so every attempt fails.
      await browser.context.setOffline(true);
      await page.reload();
      await unlockChatIfLocked(page);
      // The reloaded document is not told it is offline (navigator.onLine says true, DESIGN.md
      // §8): the page's own DevTools session says so, and later says online, as a browser does.
      await page.evaluate(() => {
        const seen = { offline: 0, online: 0 };
        Object.assign(window, { connectivityEvents: seen });
        window.addEventListener('offline', () => {
          seen.offline += 1;
        });
        window.addEventListener('online', () => {
          seen.online += 1;
        });
      });
      await setPageOffline(pageSession, true);
      await page.waitForFunction(() => !navigator.onLine);
      const composer = page.getByLabel('Message to @bob');
      await composer.fill('Written offline');
      await composer.press('Enter');
      await expect.poll(() => stateOf(alice, 'Written offline')).toBe('queued');

      // The scenario itself: a minute without network, the reconnect backoff growing meanwhile.
      await page.waitForTimeout(60_000);
      expect(await stateOf(alice, 'Written offline')).toBe('queued');

      const back = Date.now();
      await browser.context.setOffline(false);
      await setPageOffline(pageSession, false);
      await expect
        .poll(() => stateOf(alice, 'Written offline'), { timeout: 40_000, interval: 50 })
        .toMatch(/sent|delivered|read/);
      const elapsed = Date.now() - back;
      console.log(
        `after 60 s offline, the queued message was sent ${String(elapsed)} ms after online`,
      );
      // The browser really said so: the reconnect came from its `online` event.
      expect(
        await page.evaluate(
          () =>
            (window as unknown as { connectivityEvents: { offline: number; online: number } })
              .connectivityEvents,
        ),
      ).toEqual({ offline: 1, online: 1 });
      expect(elapsed).toBeLessThan(2000);
      // Bob's device has it: his receipt came back over the same connection.
      await expect
        .poll(() => stateOf(alice, 'Written offline'), { timeout: 15_000 })
        .toMatch(/delivered|read/);
      expect(sockets.open()).toBe(1);
    },
  );

  it('broke no policy and logged no error but the offline ones', () => {
    const { alice: a, bob: b } = people;
    expect(a.problems.cspViolations).toEqual([]);
    expect(b.problems.cspViolations).toEqual([]);
    expect(
      a.problems.consoleErrors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED')),
    ).toEqual([]);
    expect(b.problems.consoleErrors).toEqual([]);
  });
});
