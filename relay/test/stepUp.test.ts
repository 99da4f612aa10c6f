import fs from 'node:fs';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { ACCOUNTS_API, apiPath } from '@vaultroom/shared';
import { generateAccountKey } from '@vaultroom/shared/crypto';
import type { ServerFrame } from '@vaultroom/shared/protocol';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, enrol } from './enrolDevice.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';
import {
  addPasskey,
  ageVerification,
  certify,
  deviceList,
  signIn,
  signUpPerson,
  stepUp,
  trustUpload,
  withDatabase,
  type Person,
} from './trustFixtures.js';

const codeOf = (frame: ServerFrame) => (frame.t === 'error' ? frame.code : frame.t);

describe('step-up user verification on a real relay (PROTOCOL.md §2.9)', () => {
  let relay: RelayProcess;
  let ada: Person;
  let bob: Person;
  /** Ada's second passkey, on another authenticator; her first one is removed in the first test. */
  let adaSpare: SoftAuthenticator;

  beforeAll(async () => {
    await sodium.ready;
    relay = await startRelayProcess();
    ada = await signUpPerson(relay, relay.adminInvite() ?? '', 'ada');
    const invite = await ada.client.request('POST', ACCOUNTS_API.invites, {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    bob = await signUpPerson(relay, String(invite.body['link']), 'bob');
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('refuses a session verified over five minutes ago (a stolen cookie) every passkey, device and trust change, until a step-up', async () => {
    const laptop = await connect(relay, ada.client, null);
    const laptopDevice = await enrol(laptop, 'laptop', 1);
    const phone = await connect(relay, await signIn(relay, ada.key), null);
    const phoneDevice = await enrol(phone, 'phone', 1);
    const ak = generateAccountKey(sodium);
    const certs = [certify(ak, laptopDevice), certify(ak, phoneDevice)];
    const first = trustUpload(ak, deviceList(ak, 'ada', 1, certs), certs);
    expect(codeOf(await laptop.request({ t: 'publish-trust', id: 1, ...first }))).toBe('done');
    // A passkey ceremony begun while the session was fresh, finished after it went stale.
    adaSpare = new SoftAuthenticator({ origin: ada.client.origin });
    const begun = await ada.client.request('POST', ACCOUNTS_API.passkeyOptions, {});
    const spareResponse = adaSpare.register(
      begun.body['options'] as PublicKeyCredentialCreationOptionsJSON,
    );
    const [adaCredential] = ada.key.credentials;

    ageVerification(relay, 'ada');

    const refusals = {
      addPasskey: await ada.client.request('POST', ACCOUNTS_API.passkeyOptions, {}),
      finishAddPasskey: await ada.client.request('POST', ACCOUNTS_API.passkeyVerify, {
        ceremonyId: begun.body['ceremonyId'],
        response: spareResponse,
      }),
      removePasskey: await ada.client.request(
        'DELETE',
        apiPath(ACCOUNTS_API.passkey, { id: adaCredential?.id ?? '' }),
      ),
      recoveryInvite: await ada.client.request(
        'POST',
        apiPath(ACCOUNTS_API.recoveryInvite, { id: bobAccountId(relay) }),
        {},
      ),
    };
    for (const result of Object.values(refusals)) {
      expect(result.status).toBe(403);
      expect(result.body.error?.code).toBe('REAUTH_REQUIRED');
    }
    const newAk = generateAccountKey(sodium);
    const newCerts = [certify(newAk, laptopDevice), certify(newAk, phoneDevice)];
    const replacement = trustUpload(newAk, deviceList(newAk, 'ada', 1, newCerts), newCerts, true);
    const sealed = new Uint8Array(74).fill(9);
    const frames = [
      await laptop.request({ t: 'revoke-device', id: 10, device: phoneDevice.id }),
      await laptop.request({ t: 'publish-trust', id: 11, ...replacement }),
      await laptop.request({
        t: 'store-sealed-key',
        id: 12,
        credential: adaCredential?.id ?? '',
        sealed,
      }),
    ];
    expect(frames.map(codeOf)).toEqual(['REAUTH_REQUIRED', 'REAUTH_REQUIRED', 'REAUTH_REQUIRED']);
    // Nothing changed meanwhile: the phone is live, the account key the first one.
    const trust = await phone.request({ t: 'fetch-trust', id: 13, account: 'ada' });
    expect(trust).toMatchObject({ accountKey: first.accountKey });

    // A step-up assertion with the account's passkey: all of it works again, at once on the socket.
    expect(await stepUp(ada.client, ada.key)).toBe(200);
    const added = await ada.client.request('POST', ACCOUNTS_API.passkeyVerify, {
      ceremonyId: begun.body['ceremonyId'],
      response: spareResponse,
    });
    expect(added.status).toBe(201);
    expect(
      (await addPasskey(ada.client, new SoftAuthenticator({ origin: ada.client.origin }))).status,
    ).toBe(201);
    const recovery = await ada.client.request(
      'POST',
      apiPath(ACCOUNTS_API.recoveryInvite, { id: bobAccountId(relay) }),
      {},
    );
    expect(recovery.status).toBe(201);
    expect(
      codeOf(
        await laptop.request({
          t: 'store-sealed-key',
          id: 20,
          credential: adaCredential?.id ?? '',
          sealed,
        }),
      ),
    ).toBe('done');
    expect(codeOf(await laptop.request({ t: 'publish-trust', id: 21, ...replacement }))).toBe(
      'done',
    );
    expect(
      codeOf(await laptop.request({ t: 'revoke-device', id: 22, device: phoneDevice.id })),
    ).toBe('done');
    const removed = await ada.client.request(
      'DELETE',
      apiPath(ACCOUNTS_API.passkey, { id: adaCredential?.id ?? '' }),
    );
    expect(removed.status).toBe(204);
    const replaced = withDatabase(relay, (db) =>
      db.prepare("SELECT details FROM audit_events WHERE type = 'account_key_replaced'").all(),
    ) as { details: string }[];
    expect(replaced.map((row) => JSON.parse(row.details) as unknown)).toEqual([{ version: 1 }]);
    laptop.close();
    phone.close();
  });

  it('takes a step-up only once, only from the session it was begun for, and only with the account’s passkey', async () => {
    const begin = async (client: Person['client']) => {
      const options = await client.request('POST', ACCOUNTS_API.sessionVerifyOptions, {});
      expect(options.status).toBe(200);
      return {
        ceremonyId: options.body['ceremonyId'],
        options: options.body['options'] as PublicKeyCredentialRequestOptionsJSON,
      };
    };
    const started = await begin(bob.client);
    // Every passkey of the account is allowed, user verification required.
    expect(started.options.userVerification).toBe('required');
    expect(started.options.allowCredentials?.map((c) => c.id)).toEqual(
      bob.key.credentials.map((c) => c.id),
    );

    // Finished from another session of the same account (another browser): refused.
    const otherSession = await signIn(relay, bob.key);
    ageVerification(relay, 'bob');
    const elsewhere = await otherSession.request('POST', ACCOUNTS_API.sessionVerify, {
      ceremonyId: started.ceremonyId,
      response: bob.key.authenticate(started.options),
    });
    expect(elsewhere.body.error?.code).toBe('CEREMONY_FAILED');

    // Another account's passkey answering Bob's ceremony: refused.
    const second = await begin(bob.client);
    const [adaCredential] = adaSpare.credentials;
    const foreign = await bob.client.request('POST', ACCOUNTS_API.sessionVerify, {
      ceremonyId: second.ceremonyId,
      response: adaSpare.authenticate(second.options, { credentialId: adaCredential?.id ?? '' }),
    });
    expect(foreign.body.error?.code).toBe('CEREMONY_FAILED');
    expect((await bob.client.request('POST', ACCOUNTS_API.passkeyOptions, {})).status).toBe(403);

    // The honest one works once; its replay does not.
    const third = await begin(bob.client);
    const response = bob.key.authenticate(third.options);
    const honest = await bob.client.request('POST', ACCOUNTS_API.sessionVerify, {
      ceremonyId: third.ceremonyId,
      response,
    });
    expect(honest.status).toBe(200);
    expect(Date.parse(String(honest.body['verifiedUntil']))).toBeGreaterThan(Date.now());
    const replay = await bob.client.request('POST', ACCOUNTS_API.sessionVerify, {
      ceremonyId: third.ceremonyId,
      response,
    });
    expect(replay.body.error?.code).toBe('CEREMONY_FAILED');
    // The other session was not verified by it.
    expect((await otherSession.request('POST', ACCOUNTS_API.passkeyOptions, {})).status).toBe(403);
    expect((await bob.client.request('POST', ACCOUNTS_API.passkeyOptions, {})).status).toBe(200);
  });
});

function bobAccountId(relay: RelayProcess): string {
  return withDatabase(relay, (db) => {
    const row = db.prepare("SELECT id FROM accounts WHERE handle = 'bob'").get() as { id: string };
    return row.id;
  });
}
