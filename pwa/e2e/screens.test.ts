import { AxeBuilder } from '@axe-core/playwright';
import fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  addVirtualAuthenticator,
  launchBrowser,
  screenshot,
  signedOutCheck,
  watchProblems,
  type Browser,
  type PageProblems,
  type VirtualAuthenticator,
} from './browser.js';
import { OPEN_CONVERSATION_URL } from './people.js';

/*
 * Every screen a person can reach, and the states one click away from them, checked with axe in
 * the light and the dark theme at phone (360 px) and desktop (1280 px) widths, the main ones in
 * French too. Each check leaves screenshots-<name>-<theme>-<width>.png in test-artifacts/ for a
 * person to look at. There is no not-found screen: the relay answers unknown paths with a plain
 * 404, and unknown paths below an app route lead to the conversations.
 */

const THEMES = ['light', 'dark'] as const;
const WIDTHS = [
  [360, 760],
  [1280, 800],
] as const;

/** The axe rules whose outcome depends on the colours of the theme. */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

interface Tab {
  readonly page: Page;
  readonly problems: PageProblems;
}

/** Screens checked, for the summary line. */
const checked: string[] = [];

async function openTab(browser: Browser, french = false): Promise<Tab> {
  const page = await browser.context.newPage();
  const problems = await watchProblems(page, signedOutCheck);
  // A browser set to French: the app follows navigator.languages until a language is chosen.
  if (french) {
    await page.addInitScript(() => {
      Object.defineProperty(navigator, 'languages', { get: () => ['fr-FR', 'fr'] });
    });
  }
  // Theme changes then apply at once, without waiting out colour transitions before a picture.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return { page, problems };
}

/** Resolves once the page has rendered two more frames, so styles follow the last change. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        requestAnimationFrame(() => {
          requestAnimationFrame(() => {
            resolve();
          });
        });
      }),
  );
}

/** What to check beyond the full light pass; the default is the whole screen in both themes. */
interface CheckOptions {
  /**
   * A state one click away from a screen already checked: the dark pass looks only at the part
   * that appeared (a CSS selector), the rest of the screen being unchanged.
   */
  readonly part?: string;
  /** Checks the light theme only; dark is still photographed (a translation changes no colour). */
  readonly lightOnly?: boolean;
}

/**
 * Axe finds no violation on the current screen, and screenshots are taken, in both themes at both
 * widths. The light pass runs every rule; only colours differ in the dark theme, so its pass runs
 * the colour rules. The viewport grows to the height of <main>'s content, where the app scrolls,
 * so the picture and axe's colour checks see the whole screen.
 */
async function checkScreen(page: Page, name: string, options: CheckOptions = {}): Promise<void> {
  // The one-time "ready to work offline" notice is the shell test's; it would sit on every picture.
  const offlineReady = page.locator('.notice--quiet').getByRole('button');
  if ((await offlineReady.count()) > 0) await offlineReady.click();
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    // The emulation reaches the page a moment later: axe must not read the old theme's colours.
    await page.waitForFunction(
      (dark) => matchMedia('(prefers-color-scheme: dark)').matches === dark,
      theme === 'dark',
    );
    await settled(page);
    for (const [width, height] of WIDTHS) {
      await page.setViewportSize({ width, height });
      const overflow = await page.evaluate(() => {
        const main = document.querySelector('main');
        return main ? main.scrollHeight - main.clientHeight : 0;
      });
      if (overflow > 0) await page.setViewportSize({ width, height: height + overflow });
      await settled(page);
      if (theme === 'light' || options.lightOnly !== true) {
        // Details only for violations: collecting every passing node is most of axe's time.
        const axe = new AxeBuilder({ page }).options({ resultTypes: ['violations'] });
        if (theme === 'dark') {
          axe.withRules(COLOUR_RULES);
          if (options.part !== undefined) axe.include(options.part);
        }
        const results = await axe.analyze();
        expect(
          results.violations.map(
            (violation) =>
              `${violation.id}: ${violation.nodes
                .map((node) => `${node.target.join(' ')} ${JSON.stringify(node.any[0]?.data)}`)
                .join(', ')}`,
          ),
          `${name}, ${theme}, ${String(width)} px`,
        ).toEqual([]);
      }
      await screenshot(page, `screens-${name}-${theme}-${String(width)}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  checked.push(name);
}

const visible = async (locator: Locator, timeout = 15_000): Promise<void> => {
  await locator.first().waitFor({ state: 'visible', timeout });
};

describe('every screen passes axe in light and dark, at 360 and 1280 px, in Chromium', () => {
  let relay: RelayProcess;
  let origin: string;
  let browser: Browser;
  let bobBrowser: Browser;
  let alice: Tab;
  let authenticator: VirtualAuthenticator;
  const tabs: Tab[] = [];
  let bobInvite = '';
  const started = Date.now();

  beforeAll(async () => {
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' } });
    origin = `https://vaultroom.local:${relay.httpsPort}`;
    [browser, bobBrowser] = await Promise.all([
      launchBrowser(relay.caPem()),
      launchBrowser(relay.caPem()),
    ]);
    alice = await openTab(browser);
    tabs.push(alice);
    // Holds no credential yet: the sign-in page's autofill request waits, as for a new person.
    authenticator = await addVirtualAuthenticator(alice.page);
  });

  afterAll(async () => {
    console.log(
      `screens: ${String(checked.length)} screens checked in 2 themes at 2 widths in ` +
        `${String(Math.round((Date.now() - started) / 1000))} s: ${checked.join(', ')}`,
    );
    await browser.close();
    await bobBrowser.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('signed out: sign-in, and joining as the first administrator', async () => {
    const { page } = alice;
    await page.goto(`${origin}/sign-in`, { waitUntil: 'networkidle' });
    await visible(page.getByRole('button', { name: 'Sign in with a passkey' }));
    await checkScreen(page, 'sign-in');

    await page.goto(relay.adminInvite() ?? '', { waitUntil: 'networkidle' });
    await visible(page.getByText('administrator of this relay'));
    await checkScreen(page, 'join');
    await page.getByLabel('Handle').fill('alice');
    await page.getByLabel('Display name').fill('Alice');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${origin}/conversations`);
  });

  it('conversations: the first-run list and the new-conversation form, for a person and a group', async () => {
    const { page } = alice;
    await visible(page.getByText('No conversations yet'));
    await checkScreen(page, 'conversations-empty');
    await page.getByRole('button', { name: 'New conversation' }).click();
    await visible(page.getByLabel('Their handle'));
    await checkScreen(page, 'conversations-new', { part: '#new-conversation' });
    // The radio itself is drawn as a segment of its label: the label takes the click.
    await page.locator('label', { hasText: 'A group' }).click();
    await visible(page.getByLabel('Group name'));
    await checkScreen(page, 'conversations-new-group', { part: '#new-conversation' });
    await page.getByRole('button', { name: 'New conversation' }).click();
  });

  it('administration: invites, users, the audit log and a new invite link', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Admin' }).click();
    await visible(page.getByRole('heading', { name: 'Administration' }));
    await visible(page.getByRole('button', { name: 'Create invite' }));
    await checkScreen(page, 'admin');
    await page.getByRole('button', { name: 'Create invite' }).click();
    const link = page.getByLabel('Invite link', { exact: true });
    await visible(link);
    bobInvite = await link.inputValue();
    await checkScreen(page, 'admin-invite-link', { part: '.link-panel' });
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('signed out in French: sign-in and join, then Bob signs up', async () => {
    const french = await openTab(bobBrowser, true);
    tabs.push(french);
    const { page } = french;
    await page.goto(`${origin}/sign-in`, { waitUntil: 'networkidle' });
    await visible(page.getByRole('button', { name: 'Se connecter avec une clé d’accès' }));
    await checkScreen(page, 'sign-in-fr');
    await addVirtualAuthenticator(page);
    await page.goto(bobInvite, { waitUntil: 'networkidle' });
    await visible(page.getByLabel('Nom affiché'));
    await checkScreen(page, 'join-fr');
    await page.getByLabel('Identifiant', { exact: true }).fill('bob');
    await page.getByLabel('Nom affiché').fill('Bob');
    await page.getByRole('button', { name: 'Créer la clé d’accès' }).click();
    await page.waitForURL(`${origin}/conversations`);
  });

  it('a conversation with a message, its safety number, and the list beside it', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('button', { name: 'New conversation' }).click();
    // Bob's browser registers his device once he is signed in; until then he cannot be reached.
    await expect
      .poll(
        async () => {
          await page.getByLabel('Their handle').fill('bob');
          await page.getByRole('button', { name: 'Start' }).click();
          await page.waitForURL(OPEN_CONVERSATION_URL, { timeout: 1000 }).catch(() => null);
          return page.url();
        },
        { timeout: 20_000 },
      )
      .toMatch(OPEN_CONVERSATION_URL);
    const composer = page.getByLabel('Message to @bob');
    await composer.fill('Hello Bob, this is Alice.');
    await composer.press('Enter');
    await expect
      .poll(() => page.locator('.bubble', { hasText: 'Hello Bob' }).textContent(), {
        timeout: 15_000,
      })
      .toMatch(/Delivered|Read/);
    await checkScreen(page, 'conversation');

    await page.getByRole('button', { name: 'Safety number' }).click();
    await visible(page.getByRole('img', { name: 'QR code of the safety number' }));
    await checkScreen(page, 'safety-number', { part: '.safety-panel' });
    await page.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Conversations' }).click();
    await visible(page.getByRole('link', { name: /@bob/ }));
    await checkScreen(page, 'conversations');
  }, 90_000);

  it('settings, every section', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Settings' }).click();
    const passkeys = page.locator('section[aria-labelledby="passkeys-title"]');
    await visible(passkeys.locator('li'));
    await visible(page.locator('section[aria-labelledby="sessions-title"] li'));
    await checkScreen(page, 'settings');
  });

  it('security activity, verified in the browser', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: /^Security activity/ }).click();
    await visible(page.locator('.audit-item'));
    await visible(page.getByText('This is the beginning of your security activity.'));
    await checkScreen(page, 'security');
  });

  it('administration with a second user: delete confirmation and a recovery link', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('button', { name: 'Delete @bob' }).click();
    await visible(page.getByRole('button', { name: 'Delete account' }));
    await checkScreen(page, 'admin-delete-user', { part: '.confirm' });
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Create a recovery link for @bob' }).click();
    const link = page.getByLabel('Invite link', { exact: true });
    await visible(link);
    const recovery = await link.inputValue();
    await checkScreen(page, 'admin-recovery-link', { part: '.link-panel' });
    await page.getByRole('button', { name: 'Done' }).click();

    // Opened in another tab: what Bob sees on a new device.
    const tab = await openTab(browser);
    tabs.push(tab);
    await tab.page.goto(recovery, { waitUntil: 'networkidle' });
    await visible(tab.page.getByText('Add a new passkey to the account @bob'));
    await checkScreen(tab.page, 'join-recovery');
    await tab.page.close();
  }, 90_000);

  it('the main screens in French', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Français' }).check();
    await visible(page.getByRole('heading', { name: 'Clés d’accès' }));
    await checkScreen(page, 'settings-fr', { lightOnly: true });
    await page.getByRole('link', { name: 'Paramètres' }).click();
    await page.getByRole('link', { name: /^Activité de sécurité/ }).click();
    await visible(page.locator('.audit-item'));
    await checkScreen(page, 'security-fr', { lightOnly: true });
    await page.getByRole('link', { name: 'Admin' }).click();
    await visible(page.getByRole('heading', { name: 'Utilisateurs' }));
    await checkScreen(page, 'admin-fr', { lightOnly: true });
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('link', { name: /@bob/ }).click();
    await visible(page.locator('.bubble', { hasText: 'Hello Bob' }));
    await checkScreen(page, 'conversation-fr', { lightOnly: true });
    await page.getByRole('link', { name: 'Paramètres' }).click();
    await page.getByRole('radio', { name: 'English' }).check();
  }, 90_000);

  // Last: the browser then holds another credential than the one this page signed in with.
  it('the confirmation before removing a passkey', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Settings' }).click();
    const passkeys = page.locator('section[aria-labelledby="passkeys-title"]');
    await visible(passkeys.locator('li'));

    // A second passkey, from another authenticator (the first holds an excluded credential).
    await authenticator.remove();
    authenticator = await addVirtualAuthenticator(page);
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => passkeys.locator('li').count()).toBe(2);
    await passkeys
      .getByRole('button', { name: /^Remove / })
      .first()
      .click();
    await visible(passkeys.getByRole('button', { name: 'Remove passkey' }));
    await checkScreen(page, 'settings-remove-passkey', { part: '.confirm' });
    await passkeys.getByRole('button', { name: 'Cancel' }).click();
  }, 90_000);

  it('logged no error and broke no policy on any page', () => {
    for (const tab of tabs) {
      expect(tab.problems.consoleErrors).toEqual([]);
      expect(tab.problems.cspViolations).toEqual([]);
    }
  });
});
