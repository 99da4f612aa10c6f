import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import {
  bubble,
  createInvite,
  noAxeViolations,
  openBrowser,
  shoot,
  signUp,
  submitUntilOpened,
  useColorScheme,
  type Person,
  OPEN_CONVERSATION_URL,
} from './people.js';

const GROUP = 'Weekend hike';

/** Opens the group from the conversation list once it has arrived. */
async function openGroup(page: Page): Promise<void> {
  const row = page.getByRole('link', { name: new RegExp(GROUP) });
  await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
  await row.click();
  await expect.poll(() => page.getByRole('heading', { name: `Group ${GROUP}` }).count()).toBe(1);
}

async function say(page: Page, text: string): Promise<void> {
  const composer = page.getByLabel(`Message to ${GROUP}`);
  await composer.fill(text);
  await composer.press('Enter');
  await expect.poll(() => bubble(page, text).count()).toBe(1);
}

describe('a group of three in Chromium, over a real relay', () => {
  let relay: RelayProcess;
  let origin: string;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  beforeAll(async () => {
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' } });
    origin = `https://vaultroom.local:${relay.httpsPort}`;
    [alice, bob, carol] = await Promise.all([
      openBrowser(relay, 'alice'),
      openBrowser(relay, 'bob'),
      openBrowser(relay, 'carol'),
    ]);
    await signUp(alice, relay.adminInvite() ?? '', origin);
    const [bobInvite, carolInvite] = [
      await createInvite(alice.page),
      await createInvite(alice.page),
    ];
    await Promise.all([signUp(bob, bobInvite, origin), signUp(carol, carolInvite, origin)]);
  });

  afterAll(async () => {
    await Promise.all([alice, bob, carol].map((person) => person.browser.close()));
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('creates a group, carries messages to everyone, and changes its members', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByText('A group', { exact: true }).click();
    await page.getByLabel('Group name').fill(GROUP);
    await page.getByLabel('Members').fill('@nobody, bob');
    await noAxeViolations(page, 'new group form');
    await shoot(page, 'groups-new');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expect
      .poll(() => page.getByText('No one on this relay has that handle.').count())
      .toBe(1);
    await submitUntilOpened(
      page,
      async () => {
        await page.getByLabel('Members').fill('bob, carol');
        await page.getByRole('button', { name: 'Create group' }).click();
      },
      OPEN_CONVERSATION_URL,
    );
    await expect
      .poll(() => page.getByText(`You created “${GROUP}” with @bob and @carol.`).count())
      .toBe(1);
    await expect.poll(() => page.getByText('3 members').count()).toBe(1);
    await noAxeViolations(page, 'new group');

    await say(page, 'Saturday, 8 am at the station?');
    for (const person of [bob, carol]) {
      await openGroup(person.page);
      await expect
        .poll(() => person.page.getByText(`@alice added you to “${GROUP}”.`).count())
        .toBe(1);
      const arrived = bubble(person.page, 'Saturday, 8 am');
      await expect.poll(() => arrived.count(), { timeout: 15_000 }).toBe(1);
      expect(await arrived.textContent()).toContain('@alice');
    }
    // Both opened it: read by everyone.
    await expect
      .poll(() => bubble(page, 'Saturday, 8 am').textContent(), { timeout: 15_000 })
      .toContain('Read');

    await say(bob.page, 'Count me in.');
    await expect
      .poll(() => bubble(carol.page, 'Count me in.').count(), { timeout: 15_000 })
      .toBe(1);
    await expect.poll(() => bubble(page, 'Count me in.').count(), { timeout: 15_000 }).toBe(1);
    await noAxeViolations(bob.page, 'group conversation');
    await shoot(bob.page, 'groups-conversation');

    // Alice opens the group info and removes Carol, who is told and can no longer write.
    await page.getByRole('button', { name: 'Group info' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Members (3)' }).count()).toBe(1);
    await noAxeViolations(page, 'group info');
    await shoot(page, 'groups-info');
    await useColorScheme(page, 'dark');
    await noAxeViolations(page, 'group info, dark');
    await shoot(page, 'groups-info-dark');
    await useColorScheme(page, 'light');
    await page.getByRole('button', { name: 'Remove @carol from the group' }).click();
    await expect.poll(() => page.getByText('You removed @carol.').count()).toBe(1);
    await expect
      .poll(() => carol.page.getByText('@alice removed you from the group.').count(), {
        timeout: 15_000,
      })
      .toBe(1);
    await expect
      .poll(() =>
        carol.page.getByText('You are no longer in this group.', { exact: false }).count(),
      )
      .toBe(1);
    expect(await carol.page.getByLabel(`Message to ${GROUP}`).count()).toBe(0);
    await expect
      .poll(() => bob.page.getByText('@alice removed @carol.').count(), { timeout: 15_000 })
      .toBe(1);

    await page.getByLabel('Group name').fill('Sunday hike');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect
      .poll(() => bob.page.getByText('@alice renamed the group “Sunday hike”.').count(), {
        timeout: 15_000,
      })
      .toBe(1);

    const composer = page.getByLabel('Message to Sunday hike');
    await composer.fill('Only the two of us now.');
    await composer.press('Enter');
    await expect
      .poll(() => bubble(bob.page, 'Only the two of us now.').count(), { timeout: 15_000 })
      .toBe(1);
    await expect
      .poll(() => bubble(page, 'Only the two of us now.').textContent(), { timeout: 15_000 })
      .toContain('Read');
    expect(await bubble(carol.page, 'Only the two of us now.').count()).toBe(0);

    // Bob leaves; Alice is told, and Bob keeps a read-only history.
    await bob.page.getByRole('button', { name: 'Group info' }).click();
    await bob.page.getByRole('button', { name: 'Leave group' }).click();
    await bob.page.getByRole('button', { name: 'Leave', exact: true }).click();
    await expect.poll(() => bob.page.getByText('You left the group.').count()).toBe(1);
    await expect
      .poll(() => page.getByText('@bob left the group.').count(), { timeout: 15_000 })
      .toBe(1);
    await noAxeViolations(carol.page, 'removed from a group');
    await shoot(carol.page, 'groups-removed');

    for (const person of [alice, bob, carol]) {
      expect(person.problems.consoleErrors, person.handle).toEqual([]);
      expect(person.problems.cspViolations, person.handle).toEqual([]);
    }
  });
});
