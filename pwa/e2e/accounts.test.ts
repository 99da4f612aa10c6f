import fs from 'node:fs';
import type { ConsoleMessage, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import { ageVerification } from '../../relay/test/trustFixtures.js';
import {
  addVirtualAuthenticator,
  controlsWithoutName,
  launchBrowser,
  screenshot,
  signedOutCheck,
  watchProblems,
  type Browser,
  type PageProblems,
  type VirtualAuthenticator,
} from './browser.js';

/** What the page posted to a ceremony's verify endpoint, to check PRF output never leaves. */
interface PostedCeremony {
  readonly url: string;
  readonly body: string;
}

interface Device {
  readonly browser: Browser;
  readonly page: Page;
  readonly problems: PageProblems;
  readonly posted: PostedCeremony[];
  authenticator: VirtualAuthenticator;
}

/**
 * The browser logs the relay's 403 REAUTH_REQUIRED to a passkey change whose session was checked
 * too long ago; the app answers it with the step-up ceremony, so it is part of the contract.
 */
const stepUpCheck = (message: ConsoleMessage): boolean =>
  message.text().includes('status of 403') &&
  new URL(message.location().url).pathname.startsWith('/api/passkeys/');

async function openDevice(relay: RelayProcess): Promise<Device> {
  const browser = await launchBrowser(relay.caPem());
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const problems = await watchProblems(
    page,
    (message) => signedOutCheck(message) || stepUpCheck(message),
  );
  const posted: PostedCeremony[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/verify')) {
      posted.push({ url: request.url(), body: request.postData() ?? '' });
    }
  });
  const authenticator = await addVirtualAuthenticator(page);
  return { browser, page, problems, posted, authenticator };
}

async function expectNamedControls(page: Page, where: string): Promise<void> {
  expect(await controlsWithoutName(page), where).toEqual([]);
}

/**
 * Screenshots at phone and desktop widths, returning to desktop. The app scrolls inside <main>,
 * so the viewport grows to show the whole screen at once.
 */
async function shoot(page: Page, name: string): Promise<void> {
  // The one-time "ready to work offline" notice belongs to the shell's own test.
  const offlineReady = page.locator('.notice--quiet').getByRole('button', { name: 'Dismiss' });
  if ((await offlineReady.count()) > 0) await offlineReady.click();
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

describe('passkey accounts in Chromium, against a real relay over TLS', () => {
  let relay: RelayProcess;
  let origin: string;
  let admin: Device;
  let member: Device;
  let memberInvite = '';

  beforeAll(async () => {
    // One test client makes more ceremonies a minute than a person would.
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' } });
    origin = `https://vaultroom.local:${relay.httpsPort}`;
    [admin, member] = await Promise.all([openDevice(relay), openDevice(relay)]);
  });

  afterAll(async () => {
    await admin.browser.close();
    await member.browser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('signs up the first administrator from the one-time invite link', async () => {
    const link = relay.adminInvite();
    expect(link).not.toBeNull();
    const { page } = admin;
    await page.goto(link ?? '', { waitUntil: 'networkidle' });

    await expect
      .poll(() => page.getByRole('heading', { name: 'Create your account' }).count())
      .toBe(1);
    // The token is read, then removed from the address bar (and so from history).
    expect(page.url()).toBe(`${origin}/join`);
    await expect.poll(() => page.getByText('administrator of this relay').count()).toBe(1);
    await expectNamedControls(page, 'join');
    await shoot(page, 'accounts-join');

    // A handle the relay would refuse is caught here first.
    await page.getByLabel('Handle').fill('1x');
    await page.getByLabel('Display name').fill('Alice Martin');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => page.getByText('Use 3 to 32 letters').count()).toBe(1);

    await page.getByLabel('Handle').fill('alice');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => page.url()).toBe(`${origin}/conversations`);
    await expect.poll(() => page.getByText('You have only one passkey').count()).toBe(1);
    await expect.poll(() => page.getByRole('link', { name: 'Admin' }).count()).toBe(1);
    await expectNamedControls(page, 'conversations');
    await shoot(page, 'accounts-conversations-first-run');

    // PRF was requested; whatever it returned stayed in the page.
    const verify = admin.posted.find((entry) => entry.url.endsWith('/api/registration/verify'));
    expect(verify?.body).toBeDefined();
    expect(verify?.body).not.toContain('"results"');
  });

  it('signs out, then signs in with the button while the autofill request waits', async () => {
    const { page } = admin;
    // Hold the autofill request's options, so the button path runs on its own; released after.
    const held: Route[] = [];
    await page.route('**/api/sign-in/options', async (route) => {
      if (held.length === 0) held.push(route);
      else await route.continue();
    });

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.url()).toBe(`${origin}/sign-in`);
    const handle = page.getByLabel('Your handle');
    expect(await handle.getAttribute('autocomplete')).toBe('username webauthn');
    // The conditional (autofill) request started as soon as the page opened.
    await expect.poll(() => held.length).toBe(1);
    // Signing out oneself is not "being signed out".
    expect(await page.getByText('You were signed out on this device').count()).toBe(0);
    await expectNamedControls(page, 'sign-in');
    await shoot(page, 'accounts-sign-in');

    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => page.url()).toBe(`${origin}/conversations`);
    await held[0]?.continue();
    await page.unroute('**/api/sign-in/options');
    const signIn = admin.posted.find((entry) => entry.url.endsWith('/api/sign-in/verify'));
    expect(signIn?.body).not.toContain('"results"');
    // The authenticator evaluated the PRF: its output was taken out before posting.
    expect(signIn?.body).toContain('"prf":{}');
  });

  it('signs in through passkey autofill when the browser completes the conditional request', async () => {
    const { page } = admin;
    const before = admin.posted.length;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // Chromium's virtual authenticator answers a conditional request at once with its
    // credential, as if the person picked it from the handle field's suggestions.
    await expect.poll(() => page.url(), { timeout: 15_000 }).toBe(`${origin}/conversations`);
    expect(admin.posted.slice(before).map((entry) => new URL(entry.url).pathname)).toEqual([
      '/api/sign-in/verify',
    ]);
  });

  it('adds a second passkey in Settings and lists both', async () => {
    const { page } = admin;
    // Another authenticator stands for another device; the first one holds an excluded credential.
    const first = await admin.authenticator.credentials();
    await admin.authenticator.remove();
    admin.authenticator = await addVirtualAuthenticator(page);

    await page.getByRole('link', { name: 'Settings' }).click();
    const passkeys = page.locator('section[aria-labelledby="passkeys-title"] li');
    await expect.poll(() => passkeys.count()).toBe(1);
    // The only passkey cannot be removed.
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => passkeys.count()).toBe(2);
    await expect.poll(() => page.getByText('Passkey added.').count()).toBe(1);
    const removeButtons = page.getByRole('button', { name: /^Remove / });
    expect(await removeButtons.count()).toBe(2);
    // Both are named "Passkey": their buttons still say which is which.
    const names = await removeButtons.evaluateAll((buttons) =>
      buttons.map((button) => button.getAttribute('aria-label')),
    );
    expect(new Set(names).size).toBe(2);
    expect(names[0]).toMatch(/^Remove Passkey, added /);
    expect(await page.getByText('This device', { exact: true }).count()).toBe(1);

    // Rename inline.
    await page.getByRole('button', { name: 'Rename Passkey' }).first().click();
    await page.getByLabel('New name for Passkey').fill('Work laptop');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Work laptop', { exact: true }).count()).toBe(1);
    expect(first).toHaveLength(1);
    // The PRF output of the sign-in is held for the keystore on this page.
    expect(await page.getByText('your passkey also unlocks local encryption keys').count()).toBe(1);
    await expectNamedControls(page, 'settings');
    await shoot(page, 'accounts-settings');
  });

  it('creates an invite, and a second browser signs up with it', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Admin' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Administration' }).count()).toBe(1);
    await page.getByLabel('Role').selectOption('member');
    await page.getByLabel('Number of uses').selectOption('1');
    await page.getByRole('button', { name: 'Create invite' }).click();
    const linkField = page.getByLabel('Invite link', { exact: true });
    await expect.poll(() => linkField.count()).toBe(1);
    memberInvite = await linkField.inputValue();
    // With the log key the administrator's device trusts (PROTOCOL.md §1.8.3), for Bob to pin.
    expect(memberInvite).toMatch(
      new RegExp(`^${origin}/join#invite=[A-Za-z0-9_-]{43}&log=[A-Za-z0-9_-]{43}$`),
    );
    await expectNamedControls(page, 'admin');
    await shoot(page, 'accounts-admin');
    await page.getByRole('button', { name: 'Done' }).click();

    await member.page.goto(memberInvite, { waitUntil: 'networkidle' });
    await member.page.getByLabel('Handle').fill('bob');
    await member.page.getByLabel('Display name').fill('Bob');
    await member.page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => member.page.url()).toBe(`${origin}/conversations`);
    // Members have no administration.
    expect(await member.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    // Bob's device checks the relay's log with the key his link carried.
    await member.page.getByRole('link', { name: 'Settings' }).click();
    await member.page.getByRole('link', { name: /Security activity/ }).click();
    await expect
      .poll(
        () => member.page.getByText('with the key from the invite link you joined with').count(),
        {
          timeout: 15_000,
        },
      )
      .toBe(1);
    await member.page.getByRole('link', { name: 'Conversations' }).click();

    // The invite is used up: opening it again says so.
    const again = await member.browser.context.newPage();
    await again.goto(memberInvite, { waitUntil: 'networkidle' });
    await expect.poll(() => again.getByText('This invite cannot be used').count()).toBe(1);
    // And a join link without its token says what to do.
    await again.goto(`${origin}/join`, { waitUntil: 'networkidle' });
    await expect.poll(() => again.getByText('This link has no invite').count()).toBe(1);
    await again.close();
  });

  it('signs the second browser out at once when an administrator disables the account', async () => {
    const { page } = admin;
    await page.reload({ waitUntil: 'networkidle' });
    // Keep the member's authenticator from answering the sign-in page's autofill request at once
    // (see below).
    await member.authenticator.remove();
    await page.getByRole('button', { name: 'Disable @bob' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Enable @bob' }).count()).toBe(1);

    // No reload on the member's side: the relay closes its socket with 1008.
    await expect.poll(() => member.page.url(), { timeout: 10_000 }).toBe(`${origin}/sign-in`);
    await expect
      .poll(() => member.page.getByText('You were signed out on this device').count())
      .toBe(1);
  });

  it('signs the other device out when its session is revoked from Settings', async () => {
    // The member's browser becomes a second device of the administrator's: same passkey.
    const [credential] = await admin.authenticator.credentials();
    expect(credential).toBeDefined();
    member.authenticator = await addVirtualAuthenticator(member.page);
    if (credential) await member.authenticator.addCredential(credential);
    await member.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => member.page.url(), { timeout: 10_000 }).toBe(`${origin}/conversations`);

    // Chromium's virtual authenticator would answer the sign-in page's autofill request at once
    // and sign straight back in; a person would have to pick the passkey first.
    await member.authenticator.remove();

    const { page } = admin;
    await page.getByRole('link', { name: 'Settings' }).click();
    const sessions = page.locator('section[aria-labelledby="sessions-title"] li');
    await expect.poll(() => sessions.count()).toBe(2);
    await page.getByRole('button', { name: /^Sign out Chrom/ }).click();
    await expect.poll(() => sessions.count()).toBe(1);

    await expect.poll(() => member.page.url(), { timeout: 10_000 }).toBe(`${origin}/sign-in`);
    await expect
      .poll(() => member.page.getByText('You were signed out on this device').count())
      .toBe(1);

    // The second passkey can go (after a confirmation); the last one then cannot. The session's
    // last passkey check is made six minutes old (a browser left signed in): the app asks for the
    // passkey once, then removes it, with no error shown.
    ageVerification(relay, 'alice');
    const postedBefore = admin.posted.length;
    const passkeys = page.locator('section[aria-labelledby="passkeys-title"] li');
    await page.getByRole('button', { name: 'Remove Passkey' }).click();
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await expect.poll(() => passkeys.count()).toBe(1);
    expect(admin.posted.slice(postedBefore).map((post) => new URL(post.url).pathname)).toEqual([
      '/api/session/verify',
    ]);
    expect(await page.getByText('Confirm it’s you with your passkey').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await page.emulateMedia({ colorScheme: 'dark' });
    // Let the colour transitions finish before the picture.
    await page.waitForTimeout(400);
    await shoot(page, 'accounts-settings-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lets a member back in with a recovery link, and tells them at the next sign-in', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('button', { name: 'Enable @bob' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Disable @bob' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Create a recovery link for @bob' }).click();
    const linkField = page.getByLabel('Invite link', { exact: true });
    await expect.poll(() => linkField.count()).toBe(1);
    const recovery = await linkField.inputValue();
    await expect.poll(() => page.getByText('Recovery for @bob').count()).toBe(1);
    await shoot(page, 'accounts-admin-recovery');

    // Bob lost his passkey: a new device, with a new authenticator.
    member.authenticator = await addVirtualAuthenticator(member.page);
    await member.page.goto(recovery, { waitUntil: 'networkidle' });
    await expect
      .poll(() => member.page.getByText('Add a new passkey to the account @bob').count())
      .toBe(1);
    await expectNamedControls(member.page, 'recovery');
    await shoot(member.page, 'accounts-join-recovery');
    await member.page.getByRole('button', { name: 'Add passkey' }).click();
    await expect.poll(() => member.page.url()).toBe(`${origin}/conversations`);

    // The next sign-in says plainly that a recovery link was used.
    await member.page.getByRole('link', { name: 'Settings' }).click();
    await member.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect
      .poll(() => member.page.getByText('A recovery invite was used on your account').count(), {
        timeout: 10_000,
      })
      .toBe(1);
    expect(member.page.url()).toBe(`${origin}/conversations`);
  });

  it('reads in French, with the same controls named', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Français' }).check();
    await expect.poll(() => page.getByRole('heading', { name: 'Clés d’accès' }).count()).toBe(1);
    await expectNamedControls(page, 'settings (fr)');
    await shoot(page, 'accounts-settings-fr');
    await page.getByRole('link', { name: 'Admin' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Utilisateurs' }).count()).toBe(1);
    await expectNamedControls(page, 'admin (fr)');
    await shoot(page, 'accounts-admin-fr');
    await page.getByRole('link', { name: 'Paramètres' }).click();
    await page.getByRole('radio', { name: 'English' }).check();
  });

  it('broke no policy and logged no error in either browser', () => {
    expect(admin.problems.consoleErrors).toEqual([]);
    expect(admin.problems.cspViolations).toEqual([]);
    expect(member.problems.consoleErrors).toEqual([]);
    expect(member.problems.cspViolations).toEqual([]);
  });
});
