/**
 * Test support: the device-trust part of the in-memory relay (PROTOCOL.md §2.9), with the checks
 * a real relay makes so that the engine's uploads are held to them, and `lies`, for tests, to make
 * it serve what a compromised relay would. Imported only by tests.
 */
import type { AccountTrust, TrustUpload } from '@vaultroom/shared/client';
import { DeliveryError } from '@vaultroom/shared/client';
import {
  isCryptoError,
  verifyAccountDevices,
  type DeviceCertificate,
  type PublicIdentity,
} from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';

export interface StoredTrust {
  readonly accountKey: Uint8Array<ArrayBuffer>;
  readonly list: Uint8Array<ArrayBuffer>;
  readonly version: number;
  readonly certificates: Uint8Array<ArrayBuffer>[];
}

const hex = (bytes: Uint8Array): string => sodium.to_hex(bytes);

export function createFakeTrust(
  identityOf: (account: string, device: string) => PublicIdentity | null,
  /** Told of each accepted publication, with the certificates of the devices its list names. */
  published: (account: string, upload: TrustUpload, devices: readonly DeviceCertificate[]) => void,
) {
  /** What the relay holds per handle. */
  const accounts = new Map<string, StoredTrust>();
  /** Sealed account keys per handle and credential. */
  const sealed = new Map<string, Map<string, Uint8Array<ArrayBuffer>>>();
  /** Per handle: what `fetch-trust` answers instead of the truth (a lying relay). */
  const lies = new Map<string, AccountTrust>();
  /** Trust objects published, in order, per handle: for tests to replay. */
  const publications = new Map<string, AccountTrust[]>();
  /** Publications refused, next first (a relay asking for a fresh user verification). */
  const refusals: DeliveryError['code'][] = [];

  function publish(account: string, upload: TrustUpload): void {
    const refusal = refusals.shift();
    if (refusal !== undefined) throw new DeliveryError(refusal);
    const current = accounts.get(account);
    const replacing = current !== undefined && upload.replaceAccountKey;
    if (
      current !== undefined &&
      !upload.replaceAccountKey &&
      hex(current.accountKey) !== hex(upload.accountKey)
    ) {
      throw new DeliveryError('ACCOUNT_KEY_MISMATCH');
    }
    const kept = current === undefined || replacing ? [] : current.certificates;
    const certificates = [...kept, ...upload.certificates];
    let verified;
    try {
      verified = verifyAccountDevices(
        sodium,
        upload.accountKey,
        { list: upload.list, certificates },
        current === undefined || replacing
          ? { handle: account }
          : { handle: account, newerThan: current.version },
      );
    } catch (error) {
      if (isCryptoError(error) && error.code === 'STALE_DEVICE_LIST') {
        throw new DeliveryError('STALE_DEVICE_LIST');
      }
      throw new DeliveryError('BAD_TRUST_OBJECT');
    }
    for (const device of verified.devices) {
      const identity = identityOf(account, device.deviceId);
      if (
        identity === null ||
        hex(identity.signingPublicKey) !== hex(device.signingPublicKey) ||
        hex(identity.dhPublicKey) !== hex(device.dhPublicKey)
      ) {
        throw new DeliveryError('BAD_TRUST_OBJECT');
      }
    }
    const stored: StoredTrust = {
      accountKey: Uint8Array.from(upload.accountKey),
      list: Uint8Array.from(upload.list),
      version: verified.list.version,
      certificates: verified.devices.map((d) => Uint8Array.from(d.bytes)),
    };
    accounts.set(account, stored);
    published(account, upload, verified.devices);
    publications.set(account, [...(publications.get(account) ?? []), served(account, stored)]);
  }

  const served = (account: string, stored: StoredTrust | undefined): AccountTrust => ({
    account,
    accountKey: stored?.accountKey ?? null,
    list: stored?.list ?? null,
    certificates: [...(stored?.certificates ?? [])],
  });

  return {
    accounts,
    sealed,
    lies,
    published: publications,
    refusals,
    publish,
    fetch: (account: string): AccountTrust =>
      lies.get(account) ?? served(account, accounts.get(account)),
    storeSealed(account: string, credential: string, blob: Uint8Array) {
      const byCredential = sealed.get(account) ?? new Map<string, Uint8Array<ArrayBuffer>>();
      byCredential.set(credential, Uint8Array.from(blob));
      sealed.set(account, byCredential);
    },
    fetchSealed: (account: string, credential: string | null) => ({
      credential,
      sealed: credential === null ? null : (sealed.get(account)?.get(credential) ?? null),
    }),
  };
}

export type FakeTrust = ReturnType<typeof createFakeTrust>;

/** A passkey of the tests: its credential id and a PRF output that stands for the authenticator's. */
export function testPasskey(name: string) {
  return {
    credential: name,
    prfOutput: sodium.crypto_generichash(32, sodium.from_string(`prf:${name}`), null),
  };
}
