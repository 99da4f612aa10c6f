import path from 'node:path';
import SQLite from 'better-sqlite3';
import sodium from 'libsodium-wrappers';
import { generateDeviceKeys } from '@vaultroom/shared/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bubble,
  openBrowser,
  shoot,
  startTwoPeople,
  type Person,
  type TwoPeople,
  openConversationWith,
} from './people.js';

/*
 * Devices nobody in the account vouched for, on a real relay, against the real app (issue #16):
 * an administrator who lets someone into Bob's account with a recovery link, and an operator who
 * adds a device row to Bob's account in the relay's database. In both, Alice's app encrypts
 * nothing to the extra device, Bob's own app copies nothing to it, and Bob is told that a device
 * is waiting for his approval.
 */

interface DeviceRow {
  readonly id: string;
}

describe('devices the account did not vouch for, on a real relay', () => {
  let people: TwoPeople;
  let alice: Person;
  let bob: Person;
  let origin: string;
  let database: string;

  /** Bob's devices as the relay's database has them, oldest first. */
  const bobDevices = (): DeviceRow[] => {
    const db = new SQLite(database, { readonly: true });
    try {
      return db
        .prepare(
          `SELECT d.id FROM devices d JOIN accounts a ON a.id = d.account_id
           WHERE a.handle_key = 'bob' AND d.revoked_at IS NULL ORDER BY d.created_at, d.id`,
        )
        .all() as DeviceRow[];
    } finally {
      db.close();
    }
  };
  /** Envelopes the relay holds for a device: what was encrypted to it and not yet fetched. */
  const envelopesFor = (device: string): number => {
    const db = new SQLite(database, { readonly: true });
    try {
      const row = db
        .prepare('SELECT count(*) AS n FROM envelopes WHERE recipient_device_id = ?')
        .get(device) as { n: number };
      return row.n;
    } finally {
      db.close();
    }
  };

  async function send(from: Person, to: string, text: string): Promise<void> {
    const composer = from.page.getByLabel(`Message to @${to}`);
    await composer.fill(text);
    await composer.press('Enter');
    await expect
      .poll(() => bubble(from.page, text).textContent(), { timeout: 20_000 })
      .toMatch(/Sent|Delivered|Read/);
  }

  beforeAll(async () => {
    await sodium.ready;
    people = await startTwoPeople();
    ({ alice, bob, origin } = people);
    database = path.join(people.relay.dataDir, 'relay.db');
  }, 120_000);

  afterAll(async () => {
    await people.close();
  });

  it('starts with Alice and Bob talking, each app pinning the other’s account key', async () => {
    await openConversationWith(alice.page, 'bob');
    await send(alice, 'bob', 'Hello Bob.');
    const row = bob.page.locator('.conversation-row', { hasText: '@alice' });
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    await send(bob, 'alice', 'Hello Alice.');
    await expect
      .poll(() => bubble(alice.page, 'Hello Alice.').count(), { timeout: 20_000 })
      .toBe(1);
    expect(bobDevices()).toHaveLength(1);
    expect(bobDevices()).toHaveLength(1);
  }, 60_000);

  it('an administrator’s recovery link puts a device on Bob’s account that gets nothing and is shown to Bob', async () => {
    // Alice is the relay's administrator: she makes a recovery link for Bob's account and opens
    // it in another browser, with a passkey of her own making.
    await alice.page.getByRole('link', { name: 'Admin' }).click();
    await alice.page.getByRole('button', { name: 'Create a recovery link for @bob' }).click();
    const linkField = alice.page.getByLabel('Invite link', { exact: true });
    await expect.poll(() => linkField.count()).toBe(1);
    const recovery = await linkField.inputValue();
    const ghost = await openBrowser(people.relay, 'bob');
    try {
      await ghost.page.goto(recovery, { waitUntil: 'networkidle' });
      await ghost.page.getByRole('button', { name: 'Add passkey' }).click();
      await ghost.page.waitForURL(`${origin}/conversations`);
      // Its app registers a chat device on Bob's account, which no device of Bob's certified:
      // it says so, and shows the code Bob would have to type to approve it.
      await expect.poll(() => bobDevices().length, { timeout: 20_000 }).toBe(2);
      await ghost.page.getByRole('link', { name: 'Settings' }).click();
      await ghost.page.getByTestId('link-code').waitFor({ timeout: 20_000 });
      await shoot(ghost.page, 'ghost-recovered-device-waiting');
    } finally {
      await ghost.browser.close();
    }
    const ghostDevice = bobDevices()[1]?.id ?? '';

    // Alice writes to Bob, Bob answers (his app copies what he writes to his own devices).
    await alice.page.getByRole('link', { name: 'Conversations' }).click();
    await alice.page.locator('.conversation-row', { hasText: '@bob' }).click();
    await send(alice, 'bob', 'Only for Bob, after the recovery.');
    await expect
      .poll(() => bubble(bob.page, 'Only for Bob, after the recovery.').count(), {
        timeout: 20_000,
      })
      .toBe(1);
    await send(bob, 'alice', 'Only Alice reads this.');
    await expect
      .poll(() => bubble(alice.page, 'Only Alice reads this.').count(), { timeout: 20_000 })
      .toBe(1);
    // Nothing was encrypted to the device the recovery link made: its mailbox is empty.
    expect(envelopesFor(ghostDevice)).toBe(0);
    // Bob's app tells him a device is waiting, and not to approve it if it is not his.
    await expect
      .poll(() => bob.page.getByText(/is waiting for approval/).count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await shoot(bob.page, 'ghost-notice-on-bob');
  }, 120_000);

  it('an operator’s device row in the database gets nothing either', async () => {
    // The relay's operator adds a device to Bob's account with keys of their own, straight into
    // the database, with prekeys so that it is served in Bob's bundles like any other.
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const rogue = 'operator-made-device';
    const db = new SQLite(database);
    try {
      const { id: account } = db
        .prepare("SELECT id FROM accounts WHERE handle_key = 'bob'")
        .get() as { id: string };
      const now = Date.now();
      db.prepare(
        `INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at)
         VALUES (?, ?, 'Bob laptop', ?, ?, ?, ?)`,
      ).run(
        rogue,
        account,
        Buffer.from(keys.identity.signingPublicKey),
        Buffer.from(keys.identity.dhPublicKey),
        Buffer.from(keys.identity.dhSignature),
        now,
      );
      for (const [table, prekey] of [
        ['signed_prekeys', keys.signedPrekey],
        ['pq_prekeys', keys.pqPrekey],
      ] as const) {
        db.prepare(
          `INSERT INTO ${table} (device_id, prekey_id, public_key, signature, uploaded_at)
           VALUES (?, ?, ?, ?, ?)`,
        ).run(rogue, prekey.id, Buffer.from(prekey.publicKey), Buffer.from(prekey.signature), now);
      }
    } finally {
      db.close();
    }
    expect(bobDevices().map((device) => device.id)).toContain(rogue);

    await send(alice, 'bob', 'Still only for Bob.');
    await expect
      .poll(() => bubble(bob.page, 'Still only for Bob.').count(), { timeout: 20_000 })
      .toBe(1);
    await send(bob, 'alice', 'And still only for Alice.');
    await expect
      .poll(() => bubble(alice.page, 'And still only for Alice.').count(), { timeout: 20_000 })
      .toBe(1);
    expect(envelopesFor(rogue)).toBe(0);
  }, 120_000);
});
