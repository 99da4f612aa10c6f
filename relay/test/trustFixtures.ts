import path from 'node:path';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { ACCOUNTS_API } from '@vaultroom/shared';
import {
  certifyDevice,
  generateAccountKey,
  signDeviceList,
  type AccountKeyPair,
  type DeviceCertificate,
} from '@vaultroom/shared/crypto';
import Database from 'better-sqlite3';
import sodium from 'libsodium-wrappers';
import { expect } from 'vitest';
import { ApiClient } from './apiClient.js';
import type { DeviceSocket } from './deviceSocket.js';
import { enrol, type EnrolledDevice } from './enrolDevice.js';
import type { RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';

/** Someone with an account: the API client of one session and the passkeys they hold. */
export interface Person {
  readonly handle: string;
  readonly client: ApiClient;
  readonly key: SoftAuthenticator;
}

/** Signs up through an invite link with a fresh soft authenticator. */
export async function signUpPerson(
  relay: RelayProcess,
  invite: string,
  handle: string,
): Promise<Person> {
  const client = new ApiClient(relay);
  const key = new SoftAuthenticator({ origin: client.origin });
  const begin = await client.request('POST', ACCOUNTS_API.registrationOptions, {
    invite: new URL(invite).hash.replace('#invite=', ''),
    handle,
    displayName: handle,
  });
  const done = await client.request('POST', ACCOUNTS_API.registrationVerify, {
    ceremonyId: begin.body['ceremonyId'],
    response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
  });
  expect(done.status).toBe(201);
  return { handle, client, key };
}

/** A new session (another browser) signed in with `key`'s oldest passkey, or `credentialId`. */
export async function signIn(
  relay: RelayProcess,
  key: SoftAuthenticator,
  credentialId?: string,
): Promise<ApiClient> {
  const client = new ApiClient(relay);
  const begin = await client.request('POST', ACCOUNTS_API.signInOptions, {});
  const response = key.authenticate(
    begin.body['options'] as PublicKeyCredentialRequestOptionsJSON,
    credentialId === undefined ? {} : { credentialId },
  );
  const done = await client.request('POST', ACCOUNTS_API.signInVerify, {
    ceremonyId: begin.body['ceremonyId'],
    response,
  });
  expect(done.status).toBe(200);
  return client;
}

/**
 * Adds a passkey made by `key` (another authenticator than the account's first: an
 * authenticator holding one of its passkeys is excluded) to the session's account.
 */
export async function addPasskey(
  client: ApiClient,
  key: SoftAuthenticator,
): Promise<{ status: number; id: string }> {
  const begin = await client.request('POST', ACCOUNTS_API.passkeyOptions, {});
  if (begin.status !== 200) return { status: begin.status, id: '' };
  const done = await client.request('POST', ACCOUNTS_API.passkeyVerify, {
    ceremonyId: begin.body['ceremonyId'],
    response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
  });
  const passkey = done.body['passkey'] as { id: string } | undefined;
  return { status: done.status, id: passkey?.id ?? '' };
}

/** The step-up ceremony of the accounts API, with `key` (any of its passkeys the relay allows). */
export async function stepUp(client: ApiClient, key: SoftAuthenticator): Promise<number> {
  const begin = await client.request('POST', ACCOUNTS_API.sessionVerifyOptions, {});
  expect(begin.status).toBe(200);
  const done = await client.request('POST', ACCOUNTS_API.sessionVerify, {
    ceremonyId: begin.body['ceremonyId'],
    response: key.authenticate(begin.body['options'] as PublicKeyCredentialRequestOptionsJSON),
  });
  return done.status;
}

/** Runs `work` on the relay's database (WAL: safe beside the running relay). */
export function withDatabase<T>(relay: RelayProcess, work: (db: Database.Database) => T): T {
  const db = new Database(path.join(relay.dataDir, 'relay.db'));
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/**
 * Makes every session of an account look like its last user verification was six minutes ago:
 * what a stolen session cookie, or a browser left signed in, looks like to the relay.
 */
export function ageVerification(relay: RelayProcess, handle: string): void {
  withDatabase(relay, (db) =>
    db
      .prepare(
        'UPDATE sessions SET verified_at = ? WHERE account_id = (SELECT id FROM accounts WHERE handle = ?)',
      )
      .run(Date.now() - 6 * 60_000, handle),
  );
}

/** The account key certifies an enrolled device (§1.15.2). */
export function certify(ak: AccountKeyPair, device: EnrolledDevice): DeviceCertificate {
  return certifyDevice(sodium, ak.secretKey, {
    deviceId: device.id,
    signingPublicKey: device.keys.identity.signingPublicKey,
    dhPublicKey: device.keys.identity.dhPublicKey,
    createdAt: Date.now(),
  });
}

/** A signed device list naming these certificates' devices (§1.15.3). */
export function deviceList(
  ak: AccountKeyPair,
  handle: string,
  version: number,
  certificates: readonly DeviceCertificate[],
): Uint8Array<ArrayBuffer> {
  const list = signDeviceList(sodium, ak.secretKey, {
    handle,
    version,
    issuedAt: Date.now(),
    devices: certificates.map((cert) => ({ deviceId: cert.deviceId, certificateHash: cert.hash })),
  });
  return Uint8Array.from(list.bytes);
}

/** A `publish-trust` frame's fields. */
export function trustUpload(
  ak: AccountKeyPair,
  list: Uint8Array<ArrayBuffer>,
  certificates: readonly DeviceCertificate[],
  replaceAccountKey = false,
) {
  return {
    accountKey: Uint8Array.from(ak.publicKey),
    list,
    certificates: certificates.map((cert) => Uint8Array.from(cert.bytes)),
    replaceAccountKey,
  };
}

/**
 * Registers a device as the account's first, as the app does (§1.15.9): an account key made for
 * it, the device certified in list version 1 and published, so that other people's apps, which
 * write only to certified devices, reach it. Needs a session verified in the last five minutes.
 */
export async function enrolCertified(
  socket: DeviceSocket,
  handle: string,
  name: string,
): Promise<EnrolledDevice & { readonly accountKey: AccountKeyPair }> {
  const device = await enrol(socket, name);
  const accountKey = generateAccountKey(sodium);
  const certificate = certify(accountKey, device);
  const published = await socket.request({
    t: 'publish-trust',
    id: socket.id(),
    ...trustUpload(accountKey, deviceList(accountKey, handle, 1, [certificate]), [certificate]),
  });
  expect(published.t).toBe('done');
  return { ...device, accountKey };
}
