import { describe, expect, it } from 'vitest';
import {
  KeystoreError,
  createStorageSecret,
  deriveStorageKeys,
  unwrapStorageSecret,
  wrapStorageSecret,
} from './storageSecret.js';

const prf = (fill: number) => new Uint8Array(32).fill(fill);

describe('the storage secret', () => {
  it('is 32 random bytes', () => {
    const a = createStorageSecret();
    expect(a).toHaveLength(32);
    expect(createStorageSecret()).not.toEqual(a);
  });

  it('gives non-extractable seal and name keys, the same ones each time', async () => {
    const secret = createStorageSecret();
    const keys = await deriveStorageKeys(secret);
    expect(keys.seal.extractable).toBe(false);
    expect(keys.name.extractable).toBe(false);
    expect(keys.seal.algorithm.name).toBe('AES-GCM');
    expect(keys.name.algorithm.name).toBe('HMAC');

    const iv = new Uint8Array(12);
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, keys.seal, prf(1));
    const again = await deriveStorageKeys(secret);
    expect(
      new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, again.seal, sealed)),
    ).toEqual(prf(1));
  });

  it('refuses key material of the wrong length', async () => {
    await expect(deriveStorageKeys(new Uint8Array(16))).rejects.toMatchObject({
      code: 'BAD_KEY_MATERIAL',
    });
  });
});

describe('a wrap entry', () => {
  const wrap = (secret: Uint8Array, prfOutput = prf(7)) =>
    wrapStorageSecret({ secret, prfOutput, accountId: 'acct', credentialId: 'cred-a' });

  it('opens with the PRF output of its passkey and gives back the secret', async () => {
    const secret = createStorageSecret();
    const entry = await wrap(secret);
    expect(entry.credentialId).toBe('cred-a');
    expect(entry.data.byteLength).toBe(48);
    expect(await unwrapStorageSecret(entry, prf(7), 'acct')).toEqual(secret);
  });

  it('holds neither the secret nor the PRF output in the clear', async () => {
    const secret = createStorageSecret();
    const entry = await wrap(secret);
    const stored = Buffer.from(entry.data).toString('hex');
    expect(stored).not.toContain(Buffer.from(secret).toString('hex').slice(0, 16));
    expect(stored).not.toContain(Buffer.from(prf(7)).toString('hex').slice(0, 16));
  });

  it('does not open with another passkey’s PRF output', async () => {
    const entry = await wrap(createStorageSecret());
    const attempt = unwrapStorageSecret(entry, prf(8), 'acct');
    await expect(attempt).rejects.toBeInstanceOf(KeystoreError);
    await expect(attempt).rejects.toMatchObject({ code: 'WRAP_MISMATCH' });
  });

  it('does not open for another account or under another credential id', async () => {
    const entry = await wrap(createStorageSecret());
    await expect(unwrapStorageSecret(entry, prf(7), 'other')).rejects.toMatchObject({
      code: 'WRAP_MISMATCH',
    });
    await expect(
      unwrapStorageSecret({ ...entry, credentialId: 'cred-b' }, prf(7), 'acct'),
    ).rejects.toMatchObject({ code: 'WRAP_MISMATCH' });
  });

  it('lets each passkey open the same secret through its own entry', async () => {
    const secret = createStorageSecret();
    const first = await wrap(secret, prf(1));
    const second = await wrapStorageSecret({
      secret,
      prfOutput: prf(2),
      accountId: 'acct',
      credentialId: 'cred-b',
    });
    expect(await unwrapStorageSecret(first, prf(1), 'acct')).toEqual(secret);
    expect(await unwrapStorageSecret(second, prf(2), 'acct')).toEqual(secret);
  });
});
