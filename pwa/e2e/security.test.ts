import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  addVirtualAuthenticator,
  controlsWithoutName,
  launchBrowser,
  screenshot,
  screenshotPhoneAndDesktop,
  signedOutCheck,
  unlockChatIfLocked,
  watchProblems,
  type Browser,
  type PageProblems,
} from './browser.js';

interface Forwarder {
  readonly port: number;
  /** The relay's current HTTPS port, where new connections go. */
  targetPort: number;
  close(): Promise<void>;
}

/**
 * A TCP forwarder standing for the operator's public port: the page keeps one origin (and so its
 * localStorage) while the relay behind it restarts on another port. TLS passes through untouched.
 */
async function startForwarder(): Promise<Forwarder> {
  const sockets = new Set<net.Socket>();
  const forwarder = { port: 0, targetPort: 0, close: () => Promise.resolve() };
  const server = net.createServer((client) => {
    const upstream = net.connect(forwarder.targetPort, '127.0.0.1');
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('forwarder has no port');
  forwarder.port = address.port;
  forwarder.close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  };
  return forwarder;
}

/** Every event is signed into a checkpoint within a second (the checkpointer ticks each second). */
const relayArgs = (publicPort: number) => [
  '--audit-checkpoint-events',
  '1',
  '--public-port',
  String(publicPort),
];

/** The size of the checkpoint the chat trusts, as the Security screen's log key section says it. */
async function trustedSize(page: Page): Promise<number | null> {
  const section = page.getByRole('region', { name: 'Log key' });
  if ((await section.count()) === 0) return null;
  const found = /(\d+) entries so far/.exec(await section.innerText());
  return found === null ? null : Number(found[1]);
}

/** Screenshots at phone and desktop widths; the app scrolls inside <main>, so the viewport grows. */
async function shoot(page: Page, name: string): Promise<void> {
  const offlineReady = page.locator('.notice--quiet').getByRole('button', { name: 'Dismiss' });
  // Pressed from the page: the account notices beside it may overlap its box at some widths.
  if ((await offlineReady.count()) > 0) {
    await offlineReady.evaluate((button) => {
      (button as HTMLButtonElement).click();
    });
  }
  for (const [width, minHeight] of [
    [360, 760],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height: minHeight });
    const overflow = await page.evaluate(() => {
      const main = document.querySelector('main');
      return main ? main.scrollHeight - main.clientHeight : 0;
    });
    await page.setViewportSize({ width, height: minHeight + Math.max(0, overflow) });
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('security activity in Chromium, verified against the relay’s audit log', () => {
  let relay: RelayProcess;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let forwarder: Forwarder;
  /** The size of the checkpoint the chat trusted before the relay rewrote its log. */
  let seenSize: number | null = null;

  beforeAll(async () => {
    forwarder = await startForwarder();
    relay = await startRelayProcess({ args: relayArgs(forwarder.port) });
    forwarder.targetPort = relay.httpsPort;
    origin = `https://vaultroom.local:${forwarder.port}`;
    browser = await launchBrowser(relay.caPem());
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    problems = await watchProblems(page, signedOutCheck);
    await addVirtualAuthenticator(page);
  });

  afterAll(async () => {
    await browser.close();
    await relay.stop();
    await forwarder.close();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('signs up the administrator, signs out and in again', async () => {
    await page.goto(relay.adminInvite() ?? '', { waitUntil: 'networkidle' });
    await page.getByLabel('Handle').fill('alice');
    await page.getByLabel('Display name').fill('Alice Martin');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => page.url()).toBe(`${origin}/conversations`);
    // Signed out at once, while the chat may still be registering this device: the next session
    // of the same passkey gets the device back when it asks again (registerRetry.test.ts).
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // The virtual authenticator answers the sign-in page's autofill request at once.
    await expect.poll(() => page.url(), { timeout: 15_000 }).toBe(`${origin}/conversations`);
  });

  it('lists the account’s own events, each verified in the browser', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let a checkpoint cover them all
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: /Security activity/ }).click();
    await expect.poll(() => page.url()).toBe(`${origin}/security`);
    await expect
      .poll(() => page.getByRole('heading', { level: 1, name: 'Security activity' }).count())
      .toBe(1);

    const list = page.getByRole('list', { name: 'Security activity' });
    const verified = list.getByText('Verified in the relay’s tamper-evident log');
    await expect.poll(() => verified.count()).toBeGreaterThanOrEqual(6);
    const titles = await list.locator('.item__title').allInnerTexts();
    expect(titles).toEqual(
      expect.arrayContaining([
        'Account created',
        'New passkey added',
        'Session ended',
        expect.stringMatching(/^Signed in on \S/),
        expect.stringMatching(/^New session on \S/),
      ]),
    );
    expect(await list.getByText('Does not match').count()).toBe(0);
    expect(await list.getByText('Not yet in a signed checkpoint').count()).toBe(0);
    await expect
      .poll(() => page.getByText('Every event shown is in the relay’s signed log').count())
      .toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    // The chat trusts a checkpoint (the relay's first administrator invite pins no key).
    await expect.poll(() => trustedSize(page), { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    seenSize = await trustedSize(page);
    expect(await page.getByRole('region', { name: 'Log key' }).innerText()).toContain(
      'This device trusts the log key it saw first',
    );
    expect(await controlsWithoutName(page), 'security').toEqual([]);
    await shoot(page, 'security-activity');
  });

  it('lets the administrator filter the whole audit log by type and account', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Audit log' }).count()).toBe(1);
    const list = page.getByRole('list', { name: 'Audit log' });
    await expect.poll(() => list.getByText('Relay started').count()).toBe(1);
    await expect.poll(() => list.getByText('By @alice').count()).toBeGreaterThan(0);

    await page.getByLabel('Event type').selectOption('authn_login_success');
    const onlySignIns = async () => {
      const titles = await list.locator('.item__title').allInnerTexts();
      return titles.length > 0 && titles.every((title) => title.startsWith('Signed in'));
    };
    await expect.poll(onlySignIns).toBe(true);

    await page.getByLabel('Event type').selectOption('');
    await page.getByLabel('Account', { exact: true }).selectOption({ label: '@alice' });
    await expect.poll(() => list.getByText('Account created').count()).toBe(1);
    // The relay's own events name no account.
    expect(await list.getByText('Relay started').count()).toBe(0);
    expect(await controlsWithoutName(page), 'admin').toEqual([]);
    await shoot(page, 'security-admin-audit');
  });

  it('warns when the relay’s log was rolled back behind what this device saw', async () => {
    const seen = seenSize;
    expect(seen).not.toBeNull();
    // Leave the app before the relay goes away, so its socket and health checks stay quiet.
    await page.goto('about:blank');
    await relay.stop();

    // Simulate an operator rewriting history: drop every event after the third, with the
    // tree's stored nodes and the checkpoints that signed them.
    const db = new Database(path.join(relay.dataDir, 'relay.db'));
    try {
      db.prepare('DELETE FROM audit_events WHERE seq > 3').run();
      db.prepare('DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > 3').run();
      db.prepare('DELETE FROM audit_checkpoints WHERE tree_size > 3').run();
    } finally {
      db.close();
    }
    relay = await startRelayProcess({ dataDir: relay.dataDir, args: relayArgs(forwarder.port) });
    forwarder.targetPort = relay.httpsPort;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a checkpoint of the new log

    // The chat compares the relay's log with the one it trusts: it opens (and unlocks) first.
    await page.goto(`${origin}/conversations`, { waitUntil: 'networkidle' });
    await unlockChatIfLocked(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: /Security activity/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The relay showed different logs' });
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBe(1);
    // Named from what was seen: the relay's own answer, this device's trusted size.
    expect(await alert.innerText()).toMatch(
      new RegExp(
        `the relay (showed this device a shorter log|could not prove).*\\(${String(seen)} entries\\)`,
      ),
    );
    expect(await page.getByText('Every event shown is in the relay’s signed log').count()).toBe(0);
    // What this device trusted stays the reference: a rewritten log does not replace it.
    expect(await trustedSize(page)).toBe(seen);
    expect(await controlsWithoutName(page), 'rollback').toEqual([]);
    await shoot(page, 'security-rollback');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 360, height: 900 });
    await page.waitForTimeout(400); // colours ease over --duration
    await screenshot(page, 'security-rollback-dark-360');
    await page.emulateMedia({ colorScheme: null });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Kept sealed and shown over every screen, after a reload too, with the way to the details.
    await page.goto(`${origin}/conversations`, { waitUntil: 'networkidle' });
    await unlockChatIfLocked(page);
    const banner = page.locator('[data-notice="log-warning"]');
    await expect.poll(() => banner.count(), { timeout: 15_000 }).toBe(1);
    expect(await banner.innerText()).toContain(
      'Your relay may be showing people different records',
    );
    expect(await banner.getByRole('link', { name: 'Details' }).count()).toBe(1);
    expect(await controlsWithoutName(page), 'log warning banner').toEqual([]);
    await screenshotPhoneAndDesktop(page, 'log-warning-banner');

    expect(problems.consoleErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
