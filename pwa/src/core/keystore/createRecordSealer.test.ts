import { describe, expect, it } from 'vitest';
import { createRecordSealer, resealRecord } from './createRecordSealer.js';
import { createStorageSecret, deriveStorageKeys, type StorageKeys } from './storageSecret.js';

const bytes = (text: string) => new TextEncoder().encode(text);

async function deviceKeys(): Promise<StorageKeys> {
  return {
    seal: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
    name: await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  };
}

describe('the record sealer', () => {
  it('hides every part of a key, the group so that a range still finds its records', async () => {
    const sealer = createRecordSealer(await deriveStorageKeys(createStorageSecret()));
    const stored = await sealer.storedKey('bob/1733400000000-0001');
    expect(stored).toMatch(/^[0-9a-f]{32}\/[0-9a-f]{32}$/);
    expect(stored.startsWith(`${await sealer.hide('bob')}/`)).toBe(true);
    expect(await sealer.storedKey('bob')).toMatch(/^[0-9a-f]{32}$/);
    expect(stored).not.toContain('bob');
    expect(stored).not.toContain('1733400000000');
    expect(await sealer.storedKey('bob/1733400000000-0001')).toBe(stored);
  });

  it('moves a record of the first key format, which kept the rest readable, to its key now', async () => {
    const sealer = createRecordSealer(await deriveStorageKeys(createStorageSecret()));
    const firstFormat = `${await sealer.hide('bob')}/0001`;
    expect(await sealer.hideRest(firstFormat)).toBe(await sealer.storedKey('bob/0001'));
    const whole = await sealer.storedKey('self');
    expect(await sealer.hideRest(whole)).toBe(whole);
  });

  it('opens what it sealed, only under the same store and key', async () => {
    const sealer = createRecordSealer(await deriveStorageKeys(createStorageSecret()));
    const sealed = await sealer.seal('messages', 'k/1', bytes('hello'));
    expect(await sealer.open('messages', 'k/1', sealed)).toEqual(bytes('hello'));
    await expect(sealer.open('messages', 'k/2', sealed)).rejects.toThrow();
    await expect(sealer.open('contacts', 'k/1', sealed)).rejects.toThrow();
  });
});

describe('re-sealing a device-key record under a storage secret', () => {
  it('lands where the new sealer looks for it, and opens there', async () => {
    const old = await deviceKeys();
    const from = createRecordSealer(old);
    const to = createRecordSealer(await deriveStorageKeys(createStorageSecret()), old.name);

    for (const key of ['bob/0001-abc', 'self', 'one-time/42']) {
      const oldStored = await from.storedKey(key);
      const sealed = await from.seal('messages', oldStored, bytes(`value of ${key}`));
      const moved = await resealRecord(from, to, 'messages', oldStored, sealed);
      expect(moved.stored).toBe(await to.storedKey(key));
      expect(moved.stored).not.toBe(oldStored);
      expect(await to.open('messages', moved.stored, moved.sealed)).toEqual(
        bytes(`value of ${key}`),
      );
      // The old keys no longer open it.
      await expect(from.open('messages', moved.stored, moved.sealed)).rejects.toThrow();
    }
  });

  it('keeps a group’s records in one range', async () => {
    const old = await deviceKeys();
    const from = createRecordSealer(old);
    const to = createRecordSealer(await deriveStorageKeys(createStorageSecret()), old.name);
    const group = await to.hide('bob');
    for (const rest of ['0001', '0002']) {
      const stored = await from.storedKey(`bob/${rest}`);
      const moved = await resealRecord(
        from,
        to,
        'messages',
        stored,
        await from.seal('messages', stored, bytes(rest)),
      );
      expect(moved.stored.startsWith(`${group}/`)).toBe(true);
      expect(moved.stored).toBe(await to.storedKey(`bob/${rest}`));
    }
  });
});
