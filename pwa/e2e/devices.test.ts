import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockChatIfLocked } from './browser.js';
import { openBrowser, shoot, startTwoPeople, type Person, type TwoPeople } from './people.js';

/*
 * The devices of an account in Settings, on a real relay, against the real app (issue #16): Bob
 * sees his device, renames it, sees a device an administrator's recovery link put on his
 * account as waiting for approval, and removes it: the relay revokes it.
 */

interface DeviceRow {
  readonly id: string;
  readonly name: string;
  readonly revoked_at: number | null;
}

describe('the devices of an account in Settings, on a real relay', () => {
  let people: TwoPeople;
  let alice: Person;
  let bob: Person;
  let origin: string;
  let database: string;
  let lastRecovery = '';

  /** Bob's devices as the relay's database has them, revoked ones too, oldest first. */
  const bobDevices = (): DeviceRow[] => {
    const db = new SQLite(database, { readonly: true });
    try {
      return db
        .prepare(
          `SELECT d.id, d.name, d.revoked_at FROM devices d JOIN accounts a ON a.id = d.account_id
           WHERE a.handle_key = 'bob' ORDER BY d.created_at, d.id`,
        )
        .all() as DeviceRow[];
    } finally {
      db.close();
    }
  };
  const devicesSection = (page: Page) =>
    page.getByRole('region', { name: 'Devices of your account' });

  /** Alice, the relay's administrator, lets someone into Bob's account with a recovery link. */
  async function recoverBobElsewhere(
    onGhost: (ghost: Person) => Promise<void> = () => Promise.resolve(),
  ): Promise<string> {
    await alice.page.getByRole('link', { name: 'Admin' }).click();
    await alice.page.getByRole('button', { name: 'Create a recovery link for @bob' }).click();
    const linkField = alice.page.getByLabel('Invite link', { exact: true }).last();
    // A new link each time: the field of the one made before may still be on the page.
    await expect
      .poll(async () => ((await linkField.count()) === 1 ? linkField.inputValue() : lastRecovery))
      .not.toBe(lastRecovery);
    const recovery = await linkField.inputValue();
    lastRecovery = recovery;
    const before = bobDevices().length;
    const ghost = await openBrowser(people.relay, 'bob');
    try {
      await ghost.page.goto(recovery, { waitUntil: 'networkidle' });
      await ghost.page.getByRole('button', { name: 'Add passkey' }).click();
      await ghost.page.waitForURL(`${origin}/conversations`);
      await expect.poll(() => bobDevices().length, { timeout: 20_000 }).toBe(before + 1);
      await ghost.page.getByRole('link', { name: 'Settings' }).click();
      await ghost.page.getByTestId('link-code').waitFor({ timeout: 20_000 });
      // It waits for approval; with no device of Bob's, it could start over under a new key.
      const startOver = ghost.page.getByRole('button', {
        name: /None of my devices can approve this one/,
      });
      await startOver.waitFor();
      await shoot(ghost.page, 'devices-waiting-device');
      await startOver.click();
      await ghost.page
        .getByRole('group', { name: /Start over with a new account key\?/ })
        .waitFor();
      await shoot(ghost.page, 'devices-waiting-device-start-over');
      await ghost.page.getByRole('button', { name: 'Cancel' }).click();
      await onGhost(ghost);
    } finally {
      await ghost.browser.close();
    }
    return bobDevices().at(-1)?.id ?? '';
  }

  beforeAll(async () => {
    people = await startTwoPeople();
    ({ alice, bob, origin } = people);
    database = path.join(people.relay.dataDir, 'relay.db');
  }, 120_000);

  afterAll(async () => {
    await people.close();
  });

  it('lists Bob’s device as this device, approved, and renames it at the relay', async () => {
    // Signed up a moment ago: the chat opens (keys, account key) before Settings shows it.
    await unlockChatIfLocked(bob.page);
    await bob.page.getByRole('link', { name: 'Settings' }).click();
    const section = devicesSection(bob.page);
    const item = section.getByRole('listitem');
    await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
    expect(await item.innerText()).toMatch(/This device[\s\S]*Approved/);
    expect(await item.innerText()).toMatch(/Added /);
    const [own] = bobDevices();
    if (own === undefined) throw new Error('Bob has no device');

    await item.getByRole('button', { name: `Rename ${own.name}` }).click();
    const field = section.getByLabel(`New name for ${own.name}`);
    await field.fill('Bob’s laptop');
    await field.press('Enter');
    await expect.poll(() => bobDevices()[0]?.name, { timeout: 20_000 }).toBe('Bob’s laptop');
    await expect.poll(() => item.innerText(), { timeout: 20_000 }).toMatch(/^Bob’s laptop/);
    // An empty name is refused in the app, with a reason.
    await item.getByRole('button', { name: 'Rename Bob’s laptop' }).click();
    await section.getByLabel('New name for Bob’s laptop').fill('  ');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('A device name has 1 to 64 characters.').waitFor();
    await section.getByRole('button', { name: 'Cancel' }).click();
    expect(bobDevices()[0]?.name).toBe('Bob’s laptop');
  }, 60_000);

  it('shows a device a recovery link added as waiting, and removes it: the relay revokes it', async () => {
    const ghost = await recoverBobElsewhere();
    const ghostName = bobDevices().at(-1)?.name ?? '';

    await bob.page.getByRole('link', { name: 'Settings' }).click();
    const section = devicesSection(bob.page);
    const items = section.getByRole('listitem');
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(2);
    const waiting = items.nth(1);
    expect(await waiting.innerText()).toMatch(/Waiting for approval/);
    expect(await items.nth(0).innerText()).toMatch(/Bob’s laptop[\s\S]*This device/);
    // Bob could approve it with the code it shows; he did not add it, so he removes it.
    await waiting.getByLabel(/Code shown on device/).waitFor();
    await shoot(bob.page, 'devices-waiting-listed');

    await waiting.getByRole('button', { name: `Remove ${ghostName}` }).click();
    const confirm = waiting.getByRole('group', { name: /from your account\?/ });
    await confirm.waitFor();
    // The safe answer has the focus.
    expect(await bob.page.evaluate(() => document.activeElement?.textContent.trim() ?? '')).toBe(
      'Cancel',
    );
    await shoot(bob.page, 'devices-remove-confirm');
    await confirm.getByRole('button', { name: 'Remove device' }).click();

    await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(1);
    await section.getByText(`${ghostName} was removed from your account.`).waitFor();
    // Its row and the button that had the focus are gone: the focus goes to the section's title.
    expect(await bob.page.evaluate(() => document.activeElement?.id)).toBe('device-approval-title');
    const row = bobDevices().find((device) => device.id === ghost);
    expect(row?.revoked_at).not.toBeNull();
    // Nothing waits any more: no notice either.
    await section.getByText('No device is waiting for approval.').waitFor();
    const notice = bob.page.locator('.notice', { hasText: /is waiting for approval/ });
    await expect.poll(() => notice.count(), { timeout: 20_000 }).toBe(0);
    await shoot(bob.page, 'devices-after-remove');
  }, 120_000);

  it('removes a waiting device from the notice, after asking', async () => {
    const ghost = await recoverBobElsewhere();
    await bob.page.getByRole('link', { name: 'Conversations' }).click();
    const notice = bob.page.locator('.notice', { hasText: /is waiting for approval/ });
    await notice.waitFor({ timeout: 20_000 });
    await notice.getByRole('button', { name: 'Remove it' }).click();
    await notice.getByRole('group').waitFor();
    await shoot(bob.page, 'devices-notice-remove-confirm');
    await notice.getByRole('button', { name: 'Remove device' }).click();
    await bob.page.getByText('The device was removed from your account.').waitFor({
      timeout: 20_000,
    });
    expect(bobDevices().find((device) => device.id === ghost)?.revoked_at).not.toBeNull();
    expect(await notice.count()).toBe(0);
  }, 120_000);

  it('lets a waiting device start over with a new account key: the relay then revokes the others', async () => {
    await recoverBobElsewhere(async (ghost) => {
      await ghost.page
        .getByRole('button', { name: /None of my devices can approve this one/ })
        .click();
      await ghost.page.getByRole('button', { name: 'Start over', exact: true }).click();
      const section = devicesSection(ghost.page);
      await section.getByText(/Your account has a new account key/).waitFor({ timeout: 20_000 });
      expect(await ghost.page.getByTestId('link-code').count()).toBe(0);
      const own = section.getByRole('listitem').filter({ hasText: 'This device' });
      await expect.poll(() => own.innerText(), { timeout: 20_000 }).toMatch(/Approved/);
      await shoot(ghost.page, 'devices-started-over');
    });
    // The new list names the new device alone: the relay revokes Bob’s laptop with it.
    await expect
      .poll(() => bobDevices()[0]?.revoked_at ?? null, { timeout: 20_000 })
      .not.toBeNull();
  }, 120_000);
});
