import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwaSnapshot } from '../../relay/test/hardening/pwaSnapshot.js';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  addVirtualAuthenticator,
  launchBrowser,
  screenshot,
  signedOutCheck,
  watchProblems,
  type Browser,
  type PageProblems,
  unlockChatIfLocked,
} from './browser.js';
import { OPEN_CONVERSATION_URL } from './people.js';

/*
 * A new version of the app reaches an open tab the way it does in use: the browser fetches
 * sw.js again, finds it changed, installs the new worker, which waits; the app offers a reload;
 * accepting it hands over to the new worker and reloads the page. What the person was writing
 * must survive that, to the character.
 */

/** Marks the next version's worker, so the test can tell which worker controls the page. */
const NEXT_VERSION_MARK = 'self.__vaultroomNextVersion = true;';

/**
 * The port people open, forwarded to whichever relay process runs now: the relay can then be
 * restarted, as an operator does to upgrade it, while the page stays on the same origin.
 */
interface Forwarder {
  readonly port: number;
  /** Sends new connections to this relay port, and drops the ones to the old relay. */
  target(port: number): void;
  close(): Promise<void>;
}

async function startForwarder(): Promise<Forwarder> {
  let upstreamPort = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('forwarder has no port');
  return {
    port: address.port,
    target(port) {
      upstreamPort = port;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

async function signUp(page: Page, link: string, handle: string, origin: string): Promise<void> {
  await page.goto(link, { waitUntil: 'networkidle' });
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Display name').fill(handle);
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.waitForURL(`${origin}/conversations`);
}

describe('a new version of the app, in Chromium', () => {
  let relay: RelayProcess;
  let forwarder: Forwarder;
  let pwaDir: string;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let nextPwaDir = '';
  /** While the relay restarts, the page's health checks and socket fail, as they should. */
  let restarting = false;

  beforeAll(async () => {
    pwaDir = await pwaSnapshot();
    forwarder = await startForwarder();
    relay = await startRelayProcess({
      args: ['--pwa-dir', pwaDir, '--public-port', String(forwarder.port)],
    });
    forwarder.target(relay.httpsPort);
    origin = `https://vaultroom.local:${String(forwarder.port)}`;
    browser = await launchBrowser(relay.caPem());
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    problems = await watchProblems(
      page,
      (message) =>
        signedOutCheck(message) ||
        (restarting &&
          /net::ERR_CONNECTION_(REFUSED|CLOSED|RESET)|WebSocket connection to/.test(
            message.text(),
          )),
    );
    await addVirtualAuthenticator(page);
    await signUp(page, relay.adminInvite() ?? '', 'alice', origin);

    // Bob signs up in his own browser, which registers his device: Alice can then write to him.
    const invite = await page.evaluate(async () => {
      const response = await fetch('/api/invites', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'member', maxUses: 1, expiresInHours: 1 }),
      });
      return ((await response.json()) as { link: string }).link;
    });
    const bob = await launchBrowser(relay.caPem());
    try {
      const bobPage = bob.context.pages()[0] ?? (await bob.context.newPage());
      await addVirtualAuthenticator(bobPage);
      await signUp(bobPage, invite, 'bob', origin);
      // Bob's browser registers his device once he is signed in; until then he cannot be reached.
      // No reload on the way: the page keeps the keys it opened the chat with at sign-up.
      await page.getByRole('button', { name: 'New conversation' }).click();
      const deadline = Date.now() + 30_000;
      while (!OPEN_CONVERSATION_URL.test(page.url()) && Date.now() < deadline) {
        await page.getByLabel('Their handle').fill('bob');
        await page.getByRole('button', { name: 'Start' }).click();
        await page.waitForURL(OPEN_CONVERSATION_URL, { timeout: 2000 }).catch(() => null);
      }
    } finally {
      await bob.close();
    }
  });

  afterAll(async () => {
    await browser.close();
    await relay.stop();
    await forwarder.close();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    fs.rmSync(pwaDir, { recursive: true, force: true });
    if (nextPwaDir !== '') fs.rmSync(nextPwaDir, { recursive: true, force: true });
  });

  it('keeps the draft being written when the person accepts the update', async () => {
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
      .toBe(true);
    const composer = page.getByLabel('Message to @bob');
    await composer.fill('Half a thought, written before');

    // The operator upgrades the relay: it restarts on the same data, serving a build
    // whose sw.js differs (the same build plus one statement).
    nextPwaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-pwa-next-'));
    fs.cpSync(pwaDir, nextPwaDir, { recursive: true });
    fs.appendFileSync(path.join(nextPwaDir, 'sw.js'), `\n${NEXT_VERSION_MARK}\n`);
    restarting = true;
    await relay.stop();
    relay = await startRelayProcess({
      dataDir: relay.dataDir,
      args: ['--pwa-dir', nextPwaDir, '--public-port', String(forwarder.port)],
    });
    forwarder.target(relay.httpsPort);
    restarting = false;
    // What the app's hourly check does, now.
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    const reload = page.getByRole('button', { name: 'Reload' });
    await expect.poll(() => reload.count(), { timeout: 20_000 }).toBe(1);
    await screenshot(page, 'update-available-1280');

    // The person finishes the sentence and accepts at once, before any pause in typing.
    const draft = 'Half a thought, written before the update, and finished after it appeared.';
    await composer.fill(draft);
    const reloaded = page.waitForEvent('load', { timeout: 20_000 });
    await reload.click();
    await reloaded;

    // The new worker controls the reloaded page, and nothing waits any more.
    await expect
      .poll(() =>
        Promise.all(
          browser.context
            .serviceWorkers()
            .map((worker) =>
              worker
                .evaluate(
                  () =>
                    (self as unknown as { __vaultroomNextVersion?: boolean })
                      .__vaultroomNextVersion,
                )
                .catch(() => false),
            ),
        ),
      )
      .toContain(true);
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          return {
            controlled: navigator.serviceWorker.controller !== null,
            waiting: registration?.waiting !== null,
          };
        }),
      )
      .toEqual({ controlled: true, waiting: false });
    expect(await reload.count()).toBe(0);

    // The reload locks the passkey-sealed chat: the person unlocks it, then finds the draft.
    await unlockChatIfLocked(page);
    const field = page.getByLabel('Message to @bob');
    await expect.poll(() => field.inputValue(), { timeout: 15_000 }).toBe(draft);
    await screenshot(page, 'update-draft-kept-1280');
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
