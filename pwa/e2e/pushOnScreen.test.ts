import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp as signUpOverApi } from '../../relay/test/deviceSocket.js';
import { connect } from '../../relay/test/enrolDevice.js';
import { enrolCertified } from '../../relay/test/trustFixtures.js';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import { ARTIFACTS_DIR } from './browser.js';
import { createInvite, openBrowser, signUp, type Person, openConversationWith } from './people.js';
import { registrationIdOf } from './serviceWorkerPush.js';
import { startVirtualScreen, type VirtualScreen } from './virtualScreen.js';

/*
 * The notification as a person meets it: Chromium with a screen (a virtual one), no page of the
 * app open, a push arrives, the pop-up is drawn on the screen, and a real pointer click on it
 * opens the app at the conversation. Headless Chromium draws no pop-up, and DevTools cannot click
 * one, so only this test sees the service worker open a window from a click with none open.
 */

describe('a push notification on the screen', () => {
  let relay: RelayProcess;
  let screen: VirtualScreen;
  let origin: string;
  let alice: Person;

  beforeAll(async () => {
    screen = await startVirtualScreen();
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' } });
    origin = `https://vaultroom.local:${String(relay.httpsPort)}`;
    alice = await openBrowser(relay, 'alice', { display: screen.display });
    await signUp(alice, relay.adminInvite() ?? '', origin);
    await alice.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    const bob = await signUpOverApi(relay, await createInvite(alice.page), 'bob');
    const socket = await connect(relay, bob, null);
    // Certified by Bob's account key, as his app would: Alice's app writes only to such devices.
    await enrolCertified(socket, 'bob', 'Bob phone');
    socket.close();
  }, 60_000);

  afterAll(async () => {
    await alice.browser.close();
    await relay.stop();
    await screen.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('draws the pop-up with no page of the app open, and a click on it opens the conversation', async () => {
    const { context } = alice.browser;
    const tab = alice.page;
    await openConversationWith(tab, 'bob');
    await context.grantPermissions(['notifications'], { origin });
    const cdp = await context.newCDPSession(tab);
    const registrationId = await registrationIdOf(cdp, `${origin}/`);
    await tab.goto('about:blank');
    const appPages = (): Page[] => context.pages().filter((p) => p.url().startsWith(origin));
    expect(appPages()).toEqual([]);
    expect(await screen.popups()).toEqual([]);

    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId,
      data: JSON.stringify({ count: 2, from: 'bob' }).padEnd(96, ' '),
    });
    await expect.poll(async () => (await screen.popups()).length, { timeout: 10_000 }).toBe(1);
    const [popup] = await screen.popups();
    if (popup === undefined) throw new Error('no pop-up');
    // Chromium draws its pop-ups in the bottom right corner of the screen.
    expect(popup.x + popup.width).toBeGreaterThan(screen.width / 2);
    expect(popup.y + popup.height).toBeGreaterThan(screen.height / 2);
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await screen.screenshot(path.join(ARTIFACTS_DIR, 'push-notification-screen.png'));
    await screen.screenshot(path.join(ARTIFACTS_DIR, 'push-notification-popup.png'), popup);

    // The click lands on the text of the card, away from its close and settings buttons.
    const opened = context.waitForEvent('page', { timeout: 15_000 });
    await screen.click(
      popup.x + Math.round(popup.width * 0.4),
      popup.y + Math.round(popup.height * 0.6),
    );
    const page = await opened;
    await page.waitForURL(`${origin}/conversations/bob`);
    expect(appPages()).toHaveLength(1);
    await expect.poll(async () => (await screen.popups()).length).toBe(0);
    // A window opened from a notification finds the store locked, as after any reload, and asks
    // for the passkey. (Opening it and the notices taken back are push.test.ts's part: the
    // virtual passkey lives with the first tab, and a copy of it has another PRF secret.)
    await page.locator('.chat-gate[data-chat="locked"]').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Unlock with passkey' }).waitFor();
    await screen.screenshot(path.join(ARTIFACTS_DIR, 'push-notification-opened.png'));
    await cdp.detach();
  }, 90_000);
});
