import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp as signUpOverApi } from '../../relay/test/deviceSocket.js';
import { connect } from '../../relay/test/enrolDevice.js';
import { enrolCertified } from '../../relay/test/trustFixtures.js';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import { ARTIFACTS_DIR, unlockChatIfLocked } from './browser.js';
import { registrationIdOf, shownNotifications, type WorkerScope } from './serviceWorkerPush.js';
import {
  createInvite,
  noAxeViolations,
  openBrowser,
  shoot,
  signUp,
  type Person,
  openConversationWith,
} from './people.js';

/*
 * Web Push in Chromium: the service worker gets a push through the DevTools protocol
 * (ServiceWorker.deliverPushMessage) while no page of the app is open, and shows the notification;
 * a click opens the conversation. Settings asks for the permission only from its switch.
 */

/** The worker's own constructor, used only inside code evaluated in the worker. */
declare const NotificationEvent: new (type: string, init: { notification: Notification }) => Event;

/** The push section alone, at phone and desktop widths, to look at closely. */
async function shootSection(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page
      .getByTestId('push-section')
      .screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-${String(width)}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('push notifications in Chromium', () => {
  let relay: RelayProcess;
  let origin: string;
  let alice: Person;

  beforeAll(async () => {
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' } });
    origin = `https://vaultroom.local:${String(relay.httpsPort)}`;
    alice = await openBrowser(relay, 'alice');
    await signUp(alice, relay.adminInvite() ?? '', origin);
    await alice.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // Bob, with a device of his own (no browser needed), for Alice to talk to.
    const bob = await signUpOverApi(relay, await createInvite(alice.page), 'bob');
    const socket = await connect(relay, bob, null);
    // Certified by Bob's account key, as his app would: Alice's app writes only to such devices.
    await enrolCertified(socket, 'bob', 'Bob phone');
    socket.close();
  }, 60_000);

  afterAll(async () => {
    await alice.browser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('asks for the permission only from the switch in Settings, and explains what it means', async () => {
    const { page } = alice;
    // A conversation with Bob, for the notification to open later.
    await openConversationWith(page, 'bob');

    const asked: string[] = [];
    await page.exposeFunction('__pushPermissionAsked', (where: string) => {
      asked.push(where);
    });
    await page.addInitScript(() => {
      const original = Notification.requestPermission.bind(Notification);
      Notification.requestPermission = () => {
        (
          window as unknown as { __pushPermissionAsked: (where: string) => void }
        ).__pushPermissionAsked(location.pathname);
        return original();
      };
    });
    await page.goto(`${origin}/settings`, { waitUntil: 'networkidle' });
    const section = page.getByTestId('push-section');
    await section.getByRole('switch', { name: 'Notify me when the app is closed' }).waitFor();
    expect(asked).toEqual([]);
    await expect.poll(() => section.getByRole('switch').isChecked()).toBe(false);
    await section.scrollIntoViewIfNeeded();
    await noAxeViolations(page, 'Settings with the push section');
    await shoot(page, 'push-settings-off');
    await shootSection(page, 'push-section-off');

    await alice.browser.context.grantPermissions(['notifications'], { origin });
    await section.getByRole('switch').click();
    // Debian's Chromium has no push service it can reach here (no Google API keys, no internet):
    // it never answers the subscription, and after 15 s the app says so instead of waiting on.
    await expect.poll(() => asked).toEqual(['/settings']);
    const problem = section.getByTestId('push-problem');
    await problem.waitFor({ timeout: 20_000 });
    expect(await problem.textContent()).toContain('could not register with its push service');
    expect(await section.getByRole('switch').isChecked()).toBe(false);
    await shoot(page, 'push-settings-browser-unavailable');
    await shootSection(page, 'push-section-browser-unavailable');
  }, 60_000);

  it('explains on an iPhone, where Safari offers push only to an app on the home screen', async () => {
    const page = await alice.browser.context.newPage();
    // Safari on iOS, opened in the browser rather than from the home screen: no Push API.
    await page.addInitScript(() => {
      Reflect.deleteProperty(window, 'PushManager');
      Object.defineProperty(navigator, 'userAgent', {
        get: () =>
          'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
      });
    });
    await page.goto(`${origin}/settings`, { waitUntil: 'networkidle' });
    const section = page.getByTestId('push-section');
    await section.getByText('notifications need the app on your home screen').waitFor();
    expect(await section.getByRole('switch').count()).toBe(0);
    await shootSection(page, 'push-section-ios');
    await page.close();
  });

  it('shows a pushed notification with no page of the app open; a click opens the conversation, and reading takes the notices back', async () => {
    const { context } = alice.browser;
    // The app's tab leaves for a blank page: no page of the app is open, and the tab keeps
    // the person's passkey (a virtual authenticator lives with its tab) for later.
    const tab = alice.page;
    const cdp = await context.newCDPSession(tab);
    const registrationId = await registrationIdOf(cdp, `${origin}/`);
    await tab.goto('about:blank');
    expect(
      context
        .pages()
        .map((p) => p.url())
        .filter((url) => url.startsWith(origin)),
    ).toEqual([]);

    const worker =
      context.serviceWorkers().find((w) => w.url().startsWith(origin)) ??
      (await context.waitForEvent('serviceworker'));
    const payload = JSON.stringify({ count: 2, from: 'Bob' }).padEnd(96, ' ');
    await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: payload });
    await expect.poll(async () => (await shownNotifications(worker)).length).toBe(1);
    const [notification] = await shownNotifications(worker);
    expect(notification).toEqual({
      title: 'New message from @Bob',
      body: '2 waiting. Open VaultRoom to read them.',
      tag: 'conversation-bob',
      icon: `${origin}/pwa-192x192.png`,
      badge: `${origin}/pwa-192x192.png`,
      data: { count: 2, url: '/conversations/bob' },
    });
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(
      path.join(ARTIFACTS_DIR, 'push-notification.json'),
      `${JSON.stringify(notification, null, 2)}\n`,
    );

    // A second push for the same conversation replaces the notice and adds up the count.
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId,
      data: JSON.stringify({ count: 1, from: 'bob' }),
    });
    await expect
      .poll(async () => (await shownNotifications(worker)).map((n) => n.body))
      .toEqual(['3 waiting. Open VaultRoom to read them.']);
    expect((await shownNotifications(worker))[0]?.data).toEqual({
      count: 3,
      url: '/conversations/bob',
    });

    // A push that names no one: a count only, opening the conversation list.
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId,
      data: JSON.stringify({ count: 1 }),
    });
    await expect
      .poll(async () => (await shownNotifications(worker)).map((n) => [n.title, n.body]).sort())
      .toEqual([
        ['New message from @bob', '3 waiting. Open VaultRoom to read them.'],
        ['New messages', 'Open VaultRoom to read it.'],
      ]);

    // The click: Chromium gives DevTools no way to click a system notification, so the test
    // dispatches the worker's notificationclick itself, with an app window open to receive it
    // (a script-made event may not open a window; a real click opens one at data.url).
    const page: Page = tab;
    await page.goto(`${origin}/settings`, { waitUntil: 'networkidle' });
    await worker.evaluate(async () => {
      const scope = self as unknown as WorkerScope;
      const [shown] = await scope.registration.getNotifications({ tag: 'conversation-bob' });
      if (shown === undefined) throw new Error('no notification');
      try {
        scope.dispatchEvent(new NotificationEvent('notificationclick', { notification: shown }));
      } catch {
        // waitUntil refuses script-made events; the handler has already started its work.
      }
    });
    await page.waitForURL(`${origin}/conversations/bob`);
    await expect
      .poll(async () => (await shownNotifications(worker)).map((n) => n.tag))
      .toEqual(['push-messages']);
    // A fresh window finds the chat's store locked, as after any reload: it asks for the passkey.
    await shoot(page, 'push-opened-conversation-locked');
    await unlockChatIfLocked(page);
    // Open, with nothing unread: the notices pushed while it was closed are all taken back.
    await expect.poll(async () => (await shownNotifications(worker)).length).toBe(0);
    await expect.poll(() => page.getByText('Only you and @bob can read them').count()).toBe(1);
    await shoot(page, 'push-opened-conversation');
    await cdp.detach();
  }, 60_000);
});
