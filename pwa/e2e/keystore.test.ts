import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../../relay/test/relayProcess.js';
import { addVirtualAuthenticator, screenshot, unlockChatIfLocked } from './browser.js';
import {
  bubble,
  createInvite,
  openBrowser,
  submitUntilOpened,
  startTwoPeople,
  type Person,
  type TwoPeople,
  OPEN_CONVERSATION_URL,
} from './people.js';

/** DevTools gives credential ids in base64, WebAuthn responses in base64url. */
const base64url = (base64: string) =>
  base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const chatIs = (page: Page, status: string) =>
  page.locator(`.chat-gate[data-chat="${status}"]`).count();

/** Starts a conversation (retrying until the peer's device is registered) and sends `text`. */
async function send(page: Page, origin: string, peer: string, text: string): Promise<void> {
  await page.goto(`${origin}/conversations?new=1`, { waitUntil: 'networkidle' });
  await unlockChatIfLocked(page);
  if ((await page.getByLabel('Their handle').count()) === 0) {
    await page.getByRole('button', { name: 'New conversation' }).click();
  }
  await submitUntilOpened(
    page,
    async () => {
      await page.getByLabel('Their handle').fill(peer);
      await page.getByRole('button', { name: 'Start' }).click();
    },
    OPEN_CONVERSATION_URL,
  );
  const composer = page.getByLabel(`Message to @${peer}`);
  await composer.fill(text);
  await composer.press('Enter');
  await expect.poll(() => bubble(page, text).count(), { timeout: 15_000 }).toBe(1);
}

interface StoredView {
  readonly databases: string[];
  /** The keys of the passkey database's storage-keys store, and what each value is. */
  readonly keyEntries: { key: string; kind: string; bytes: number }[];
  /** Whether any record key or value of the chat stores contains `needle` in the clear. */
  readonly plainFound: boolean;
}

/** What this origin's IndexedDB holds, seen from the page as anyone with the profile would. */
async function readStorage(page: Page, needle: string): Promise<StoredView> {
  return page.evaluate(async (text) => {
    const open = (name: string) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => {
          resolve(request.result);
        };
        request.onerror = () => {
          reject(new Error(String(request.error)));
        };
      });
    const all = (db: IDBDatabase, store: string) =>
      new Promise<{ keys: IDBValidKey[]; values: unknown[] }>((resolve, reject) => {
        const transaction = db.transaction(store, 'readonly');
        const keys = transaction.objectStore(store).getAllKeys();
        const values = transaction.objectStore(store).getAll();
        transaction.oncomplete = () => {
          resolve({ keys: keys.result, values: values.result });
        };
        transaction.onerror = () => {
          reject(new Error(String(transaction.error)));
        };
      });
    const databases = (await indexedDB.databases()).map((d) => d.name ?? '');
    const keyEntries: { key: string; kind: string; bytes: number }[] = [];
    let plainFound = false;
    const encoded = new TextEncoder().encode(text);
    const contains = (bytes: Uint8Array) =>
      bytes.some((_, i) => encoded.every((byte, j) => bytes[i + j] === byte));
    for (const name of databases.filter((n) => n.startsWith('vaultroom-chat'))) {
      const db = await open(name);
      for (const store of Array.from(db.objectStoreNames)) {
        const { keys, values } = await all(db, store);
        keys.forEach((rawKey, index) => {
          const key = typeof rawKey === 'string' ? rawKey : JSON.stringify(rawKey);
          const value = values[index] as Record<string, unknown> | CryptoKey;
          if (store === 'storage-keys' && name.startsWith('vaultroom-chat-passkey-')) {
            const data = (value as { data?: unknown }).data;
            keyEntries.push({
              key,
              kind:
                value instanceof CryptoKey
                  ? 'CryptoKey'
                  : Object.values(value).some((v) => v instanceof CryptoKey)
                    ? 'holds a CryptoKey'
                    : 'data',
              bytes: data instanceof ArrayBuffer ? data.byteLength : -1,
            });
          }
          if (key.includes(text)) plainFound = true;
          const data = (value as { data?: unknown }).data;
          if (data instanceof ArrayBuffer && contains(new Uint8Array(data))) plainFound = true;
        });
      }
      db.close();
    }
    return { databases, keyEntries, plainFound };
  }, needle);
}

async function accountId(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const response = await fetch('/api/me');
    return ((await response.json()) as { account: { id: string } }).account.id;
  });
}

/** The locked screen at phone and desktop widths, light and dark. */
async function shootLocked(page: Page): Promise<void> {
  const offlineReady = page.locator('.notice--quiet').getByRole('button', { name: 'Dismiss' });
  if ((await offlineReady.count()) > 0)
    await offlineReady.evaluate((button: HTMLElement) => {
      button.click();
    });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [width, height] of [
      [360, 760],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width, height });
      await screenshot(page, `keystore-locked-${scheme}-${width}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('the chat store sealed with the passkey PRF, in Chromium', () => {
  let relay: RelayProcess;
  let origin: string;
  let alice: Person;
  let bob: Person;

  let people: TwoPeople;

  beforeAll(async () => {
    people = await startTwoPeople();
    ({ relay, origin, alice, bob } = people);
  });

  afterAll(async () => {
    await people.close();
  });

  it('opens at sign-up, locks on reload, and unlocks with the passkey: history is back', async () => {
    const { page } = alice;
    await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
    await send(page, origin, 'bob', 'Sealed at rest, hello Bob');
    await expect
      .poll(() => bubble(page, 'Sealed at rest').textContent(), { timeout: 15_000 })
      .toContain('Delivered');

    await page.reload({ waitUntil: 'networkidle' });
    await expect.poll(() => chatIs(page, 'locked'), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => page.getByRole('heading', { name: 'Your messages are locked' }).count())
      .toBe(1);
    expect(await bubble(page, 'Sealed at rest').count()).toBe(0);
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.map((violation) => violation.id)).toEqual([]);
    await shootLocked(page);

    await page.getByRole('button', { name: 'Unlock with passkey' }).click();
    await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => bubble(page, 'Sealed at rest').count(), { timeout: 15_000 }).toBe(1);
  });

  it('keeps no storage secret or usable key in IndexedDB: only wrap entries', async () => {
    const { page } = alice;
    const id = await accountId(page);
    const stored = await readStorage(page, 'Sealed at rest');
    expect(stored.databases).toContain(`vaultroom-chat-passkey-${id}`);
    expect(stored.databases).not.toContain(`vaultroom-chat-${id}`);
    const [credential] = await alice.authenticator.credentials();
    // Beside the wrap entries, only the format of the records' keys (a number, no secret).
    expect(stored.keyEntries).toEqual([
      { key: 'key-format', kind: 'data', bytes: -1 },
      { key: `wrap:${base64url(credential?.credentialId ?? '')}`, kind: 'data', bytes: 48 },
    ]);
    expect(stored.plainFound).toBe(false);
    expect((await readStorage(page, 'bob')).plainFound).toBe(false);
  });

  it('stays locked, without an error, when the passkey prompt is dismissed', async () => {
    const { page } = alice;
    await page.reload({ waitUntil: 'networkidle' });
    await expect.poll(() => chatIs(page, 'locked'), { timeout: 15_000 }).toBe(1);
    // What the browser answers when the person dismisses its passkey prompt.
    await page.evaluate(() => {
      const original = navigator.credentials.get.bind(navigator.credentials);
      navigator.credentials.get = () => {
        navigator.credentials.get = original;
        return Promise.reject(new DOMException('The operation was dismissed.', 'NotAllowedError'));
      };
    });
    await page.getByRole('button', { name: 'Unlock with passkey' }).click();
    await expect
      .poll(() => page.getByRole('button', { name: 'Unlock with passkey' }).isEnabled())
      .toBe(true);
    expect(await chatIs(page, 'locked')).toBe(1);
    expect(await page.locator('.chat-lock .form__error').count()).toBe(0);
    await unlockChatIfLocked(page);
    await expect.poll(() => bubble(page, 'Sealed at rest').count(), { timeout: 15_000 }).toBe(1);
  });

  it('unlocks offline: reloaded from the service worker, nothing sent to the relay', async () => {
    const { page, browser } = alice;
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
      .toBe(true);
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posted.push(request.url());
    });
    await browser.context.setOffline(true);
    try {
      await page.reload();
      await expect.poll(() => chatIs(page, 'locked'), { timeout: 15_000 }).toBe(1);
      // What the page keeps outside the sealed store names the account by its id alone.
      const remembered = await page.evaluate(() => Object.entries(localStorage));
      expect(JSON.stringify(remembered)).not.toContain('alice');
      await page.getByRole('button', { name: 'Unlock with passkey' }).click();
      await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
      await expect.poll(() => bubble(page, 'Sealed at rest').count(), { timeout: 15_000 }).toBe(1);
      expect(posted).toEqual([]);
    } finally {
      await browser.context.setOffline(false);
    }
    // Nothing asked the relay for the account since the offline reload: the handle Settings
    // shows is the one the unlocked store kept sealed.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('.account-row__meta', { hasText: '@alice' }).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Conversations' }).click();
  });

  it('says in Settings that this device’s messages are sealed with the passkey', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect
      .poll(() => page.getByTestId('storage-sealing').textContent())
      .toContain('Sealed with your passkey');
  });

  it('wraps for a passkey added in Settings, which then unlocks too, and drops a removed one’s wrap', async () => {
    const { page } = alice;
    const [firstCredential] = await alice.authenticator.credentials();
    const firstId = base64url(firstCredential?.credentialId ?? '');
    // A new phone's passkey provider (Chromium holds one platform authenticator at a time).
    await alice.authenticator.remove();
    const second = await addVirtualAuthenticator(page);
    alice.authenticator = second;
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => page.getByText('Passkey added').count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(async () => (await readStorage(page, 'x')).keyEntries.length, { timeout: 10_000 })
      .toBe(3);

    // The new passkey alone opens the chat after a reload.
    await page.goto(`${origin}/conversations/bob`, { waitUntil: 'networkidle' });
    await expect.poll(() => chatIs(page, 'locked'), { timeout: 15_000 }).toBe(1);
    await unlockChatIfLocked(page);
    await expect.poll(() => bubble(page, 'Sealed at rest').count(), { timeout: 15_000 }).toBe(1);

    // Removing it (removing the first would end this session) drops its wrap entry.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page
      .getByRole('button', { name: /^Remove / })
      .last()
      .click();
    await page.locator('.confirm').getByRole('button', { name: 'Remove passkey' }).click();
    await expect
      .poll(async () => (await readStorage(page, 'x')).keyEntries.map((entry) => entry.key), {
        timeout: 10_000,
      })
      .toEqual(['key-format', `wrap:${firstId}`]);
  });

  it('re-seals a store sealed with device keys the first time a passkey gives a PRF output', async () => {
    // Carol's browser gives no PRF output at sign-up (as an authenticator without the
    // extension would): her chat falls back to device keys.
    const carol = await openBrowser(relay, 'carol');
    try {
      const { page } = carol;
      await page.goto(await createInvite(alice.page), { waitUntil: 'networkidle' });
      await page.evaluate(() => {
        const create = navigator.credentials.create.bind(navigator.credentials);
        navigator.credentials.create = async (options) => {
          const credential = (await create(options)) as PublicKeyCredential;
          credential.getClientExtensionResults = () => ({});
          return credential;
        };
      });
      await page.getByLabel('Handle').fill('carol');
      await page.getByLabel('Display name').fill('Carol');
      await page.getByRole('button', { name: 'Create passkey' }).click();
      await page.waitForURL(`${origin}/conversations`);
      await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
      await send(page, origin, 'alice', 'Written before the passkey sealing');
      const id = await accountId(page);
      expect((await readStorage(page, 'x')).databases).toContain(`vaultroom-chat-${id}`);
      await page.getByRole('link', { name: 'Settings' }).click();
      await expect
        .poll(() => page.getByTestId('storage-sealing').textContent())
        .toContain('Sealed with a key kept in this browser');

      // Signing in again, with the PRF output this time, re-seals the store. (The sign-in page's
      // autofill request is answered at once by the virtual authenticator.)
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL(`${origin}/conversations`, { timeout: 20_000 });
      await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
      await page.goto(`${origin}/conversations/alice`);
      await unlockChatIfLocked(page);
      await expect
        .poll(() => bubble(page, 'Written before the passkey').count(), { timeout: 15_000 })
        .toBe(1);
      const stored = await readStorage(page, 'Written before');
      expect(stored.databases).toContain(`vaultroom-chat-passkey-${id}`);
      await expect
        .poll(async () => (await readStorage(page, 'x')).databases)
        .not.toContain(`vaultroom-chat-${id}`);
      expect(stored.keyEntries.map((entry) => entry.key).sort()).toEqual(
        expect.arrayContaining([expect.stringMatching(/^wrap:/), 'legacy-name']),
      );
      expect(stored.plainFound).toBe(false);

      // From now on it is locked after a reload, like any passkey-sealed store.
      await page.reload({ waitUntil: 'networkidle' });
      await expect.poll(() => chatIs(page, 'locked'), { timeout: 15_000 }).toBe(1);
      await unlockChatIfLocked(page);
      await expect
        .poll(() => bubble(page, 'Written before the passkey').count(), { timeout: 15_000 })
        .toBe(1);
      expect(carol.problems.cspViolations).toEqual([]);
    } finally {
      await carol.browser.close();
    }
  });

  it('forgets the keys at sign-out and opens straight away at the next sign-in', async () => {
    const { page } = bob;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${origin}/sign-in`);
    // The virtual authenticator answers the sign-in page's autofill request at once.
    await page.waitForURL(`${origin}/conversations`, { timeout: 20_000 });
    await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
    expect(await chatIs(page, 'locked')).toBe(0);
  });

  it('lets a person whose passkeys no longer unlock this device start over, after a warning', async () => {
    // Alice's only wrapped passkey is gone from this browser (the previous tests removed it).
    const { page } = alice;
    const id = await accountId(page);
    await page.goto(`${origin}/conversations`, { waitUntil: 'networkidle' });
    await expect.poll(() => chatIs(page, 'locked'), { timeout: 15_000 }).toBe(1);
    await page.getByText('No passkey can unlock them?').click();
    await expect.poll(() => page.getByText('deletes the messages and keys').count()).toBe(1);
    await screenshot(page, 'keystore-locked-start-over-1280');
    await page.getByRole('button', { name: 'Delete and start over' }).click();
    await expect.poll(() => chatIs(page, 'ready'), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByText('No conversations yet').count()).toBe(1);
    expect((await readStorage(page, 'x')).databases).not.toContain(`vaultroom-chat-passkey-${id}`);
  });

  it('leaves no console errors or CSP violations behind', () => {
    expect(alice.problems.cspViolations).toEqual([]);
    expect(bob.problems.cspViolations).toEqual([]);
    expect(
      alice.problems.consoleErrors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED')),
    ).toEqual([]);
    expect(bob.problems.consoleErrors).toEqual([]);
  });
});
