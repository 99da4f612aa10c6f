import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, unlockChatIfLocked } from './browser.js';
import {
  bubble,
  noAxeViolations,
  shoot,
  startTwoPeople,
  type TwoPeople,
  openConversationWith,
} from './people.js';

const DAY = 86_400_000;
const MIB = 1024 * 1024;
const TEXT = 'Are you there, Bob?';
const WAITING =
  'Waiting: @bob’s device has too much undelivered. It will be sent when it catches up.';

describe('a message the relay cannot take yet, and the devices admins should know about', () => {
  let people: TwoPeople;
  /** Runs `edit` on the relay's database while it runs, as another process would. */
  const editDatabase = <T>(edit: (db: Database.Database) => T): T => {
    const db = new Database(path.join(people.relay.dataDir, 'relay.db'));
    try {
      return edit(db);
    } finally {
      db.close();
    }
  };
  const bobsDevice = () =>
    editDatabase(
      (db) =>
        db
          .prepare(
            `SELECT devices.id FROM devices JOIN accounts ON accounts.id = devices.account_id
             WHERE accounts.handle_key = 'bob' AND devices.revoked_at IS NULL`,
          )
          .pluck()
          .get() as string | undefined,
    );

  beforeAll(async () => {
    people = await startTwoPeople(['--mailbox-quota-mb', '1']);
  });

  afterAll(async () => {
    await people.close();
  });

  it('says why a message waits while Bob’s mailbox is full, and sends it once he catches up', async () => {
    const { alice, bob, origin } = people;
    const { page } = alice;
    // Bob's device fills its mailbox before anyone writes to it: 1 MiB waits, its whole quota,
    await expect.poll(bobsDevice, { timeout: 20_000 }).toBeDefined();
    const device = bobsDevice() ?? '';
    // In envelopes of 64 KiB, no larger than the relay itself takes, so that they can drain.
    editDatabase((db) => {
      const insert = db.prepare(
        `INSERT INTO envelopes (id, recipient_device_id, sender_device_id, msg_id, body,
           accepted_at, expires_at) VALUES (?, ?, 'filler', ?, ?, ?, ?)`,
      );
      for (let i = 0; i < 16; i++) {
        const at = Date.now();
        insert.run(
          `filler-${String(i)}`,
          device,
          randomBytes(16),
          Buffer.alloc(MIB / 16, 1),
          at,
          at + DAY,
        );
      }
    });

    await openConversationWith(page, 'bob');
    await page.getByLabel('Message to @bob').fill(TEXT);
    await page.getByRole('button', { name: 'Send' }).click();

    // The reason is text inside the message's list item, where a screen reader reads it.
    const message = page.getByRole('listitem').filter({ hasText: TEXT });
    await expect.poll(() => message.getByText(WAITING).count(), { timeout: 20_000 }).toBe(1);
    expect(await bubble(page, TEXT).textContent()).toContain('Waiting to send');
    await noAxeViolations(page, 'a message waiting for a full mailbox');
    await shoot(page, 'quota-waiting');

    // Bob's device, away for 31 days, is listed for the admin with what waits for it.
    editDatabase((db) =>
      db
        .prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?')
        .run(Date.now() - 31 * DAY, device),
    );
    await page.getByRole('link', { name: 'Admin' }).click();
    const section = page.getByRole('region', { name: 'Devices not seen lately' });
    await expect.poll(() => section.getByText('@bob').count(), { timeout: 20_000 }).toBe(1);
    expect(await section.getByText('16 envelopes waiting (1 MB)').count()).toBe(1);
    expect(await section.getByText(/^Last connected /).count()).toBe(1);
    expect(await section.getByText('@alice').count()).toBe(0);
    await noAxeViolations(page, 'administration with a device not seen lately');
    await shoot(page, 'admin-stale-devices');
    await page.setViewportSize({ width: 360, height: 760 });
    await section.screenshot({
      path: path.join(ARTIFACTS_DIR, 'admin-stale-devices-part-360.png'),
    });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Both in French.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Français' }).check();
    await page.getByRole('link', { name: 'Admin' }).click();
    const sectionFr = page.getByRole('region', { name: 'Appareils absents' });
    await expect
      .poll(() => sectionFr.getByText(/^16\senveloppes en attente \(1\sMo\)$/).count())
      .toBe(1);
    await sectionFr.screenshot({
      path: path.join(ARTIFACTS_DIR, 'admin-stale-devices-part-1280-fr.png'),
    });
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('link', { name: /@bob/ }).click();
    await expect
      .poll(() => message.getByText(/^En attente\s: l’appareil de @bob a trop de messages/).count())
      .toBe(1);
    await shoot(page, 'quota-waiting-fr');
    await page.getByRole('link', { name: 'Paramètres' }).click();
    await page.getByRole('radio', { name: 'English' }).check();

    // Bob opens the app again: his device takes its backlog, and Alice's message goes.
    await bob.page.reload();
    await unlockChatIfLocked(bob.page);
    await page.goto(`${origin}/conversations/bob`);
    await unlockChatIfLocked(page);
    await expect
      .poll(async () => (await bubble(page, TEXT).textContent()) ?? '', { timeout: 90_000 })
      .toMatch(/Delivered|Read/);
    expect(await page.getByText(WAITING).count()).toBe(0);
  }, 180_000);
});
