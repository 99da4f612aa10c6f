import { createPublicKey } from 'node:crypto';
import { Decoder } from 'cbor-x';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import {
  AuthenticatorFlag,
  SoftAuthenticator,
  type AuthenticationTamper,
  type RegistrationTamper,
  type SoftAlgorithm,
} from './softAuthenticator.js';

// The real verifier is the oracle: an honest ceremony must pass it, and each lie must either be
// refused by it or, where it leaves the check to the relay, be visible in the output.

const origin = 'https://vaultroom.local';
const rpID = 'vaultroom.local';
const userID = new TextEncoder().encode('account-0001');
const userHandle = Buffer.from(userID).toString('base64url');
const { UP, UV, BE, BS, AT } = AuthenticatorFlag;
const cbor = new Decoder({ mapsAsObjects: false, useRecords: false });

function registrationOptions(
  extra: { excludeCredentials?: { id: string }[] } = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'VaultRoom',
    rpID,
    userName: 'alice',
    userID,
    supportedAlgorithmIDs: [-8, -7, -257],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    ...extra,
  });
}

async function register(
  authenticator: SoftAuthenticator,
  tamper: RegistrationTamper = {},
): Promise<{ response: RegistrationResponseJSON; challenge: string }> {
  const options = await registrationOptions();
  return { response: authenticator.register(options, tamper), challenge: options.challenge };
}

function verifyRegistration(response: RegistrationResponseJSON, challenge: string) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: true,
    supportedAlgorithmIDs: [-8, -7, -257],
  });
}

/** A registered credential as the relay would store it. */
async function enrol(authenticator: SoftAuthenticator): Promise<WebAuthnCredential> {
  const { response, challenge } = await register(authenticator);
  const verification = await verifyRegistration(response, challenge);
  if (!verification.verified) throw new Error('honest registration was refused');
  return verification.registrationInfo.credential;
}

async function authenticate(
  authenticator: SoftAuthenticator,
  tamper: AuthenticationTamper = {},
): Promise<{ response: AuthenticationResponseJSON; challenge: string }> {
  const options = await generateAuthenticationOptions({ rpID, userVerification: 'required' });
  return { response: authenticator.authenticate(options, tamper), challenge: options.challenge };
}

function verifyAuthentication(
  response: AuthenticationResponseJSON,
  challenge: string,
  credential: WebAuthnCredential,
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification: true,
  });
}

function clientData(response: { response: { clientDataJSON: string } }): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'),
  ) as Record<string, unknown>;
}

function registrationAuthData(response: RegistrationResponseJSON): Buffer {
  const attestation: unknown = cbor.decode(
    Buffer.from(response.response.attestationObject, 'base64url'),
  );
  if (!(attestation instanceof Map)) throw new Error('attestationObject is not a CBOR map');
  const authData: unknown = attestation.get('authData');
  if (!(authData instanceof Uint8Array)) throw new Error('authData is not a byte string');
  return Buffer.from(authData);
}

function assertionAuthData(response: AuthenticationResponseJSON): Buffer {
  return Buffer.from(response.response.authenticatorData, 'base64url');
}

/** §6.1: flags at byte 32, signCount big-endian at bytes 33..36. */
const flagsOf = (authData: Buffer): number => authData.readUInt8(32);
const signCountOf = (authData: Buffer): number => authData.readUInt32BE(33);

describe.each<SoftAlgorithm>(['ES256', 'Ed25519'])('an honest %s passkey', (algorithm) => {
  it('registers, and the verifier returns its credential ID and public key', async () => {
    const authenticator = new SoftAuthenticator({ origin, algorithm });
    const { response, challenge } = await register(authenticator);
    const verification = await verifyRegistration(response, challenge);

    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo;
    const [stored] = authenticator.credentials;
    expect(stored).toMatchObject({ rpId: rpID, algorithm, userHandle, signCount: 0 });
    expect(info?.credential.id).toBe(stored?.id);
    expect(info?.credential.counter).toBe(0);
    expect(info).toMatchObject({ fmt: 'none', userVerified: true, rpID, origin });
    expect(info?.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(response.response.publicKeyAlgorithm).toBe(algorithm === 'ES256' ? -7 : -8);

    // The COSE key the verifier stored is the same key as the SPKI a browser's getPublicKey() gives.
    const cose: unknown = cbor.decode(info?.credential.publicKey ?? new Uint8Array());
    if (!(cose instanceof Map)) throw new Error('COSE key is not a CBOR map');
    const spki = createPublicKey({
      key: Buffer.from(response.response.publicKey ?? '', 'base64url'),
      format: 'der',
      type: 'spki',
    }).export({ format: 'jwk' });
    const coordinate = (label: number): string =>
      Buffer.from(cose.get(label) as Uint8Array).toString('base64url');
    if (algorithm === 'ES256') {
      expect([cose.get(1), cose.get(3), cose.get(-1)]).toEqual([2, -7, 1]);
      expect([coordinate(-2), coordinate(-3)]).toEqual([spki.x, spki.y]);
    } else {
      expect([cose.get(1), cose.get(3), cose.get(-1)]).toEqual([1, -8, 6]);
      expect(coordinate(-2)).toBe(spki.x);
    }
  });

  it('authenticates without allowCredentials, the counter going up by one each time', async () => {
    const authenticator = new SoftAuthenticator({ origin, algorithm });
    let credential = await enrol(authenticator);

    for (const expected of [1, 2]) {
      const { response, challenge } = await authenticate(authenticator);
      const verification = await verifyAuthentication(response, challenge, credential);
      expect(verification.verified).toBe(true);
      expect(verification.authenticationInfo.newCounter).toBe(credential.counter + 1);
      expect(verification.authenticationInfo.newCounter).toBe(expected);
      expect(response.id).toBe(credential.id);
      expect(response.response.userHandle).toBe(userHandle);
      credential = { ...credential, counter: verification.authenticationInfo.newCounter };
    }
    expect(authenticator.credentials[0]?.signCount).toBe(2);
  });
});

describe('SoftAuthenticator as a browser', () => {
  it('takes the first algorithm it supports in the RP order: Ed25519 before ES256', async () => {
    const { response, challenge } = await register(new SoftAuthenticator({ origin }));
    expect(response.response.publicKeyAlgorithm).toBe(-8);
    expect((await verifyRegistration(response, challenge)).verified).toBe(true);
  });

  it('emits the JSON shape of @simplewebauthn/browser, base64url without padding', async () => {
    const authenticator = new SoftAuthenticator({ origin });
    const { response: registration } = await register(authenticator);
    const { response: assertion } = await authenticate(authenticator);

    expect(Object.keys(registration)).toEqual([
      'id',
      'rawId',
      'response',
      'type',
      'clientExtensionResults',
      'authenticatorAttachment',
    ]);
    expect(registration).toMatchObject({
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { transports: ['internal'] },
    });
    expect(Object.keys(assertion.response)).toEqual([
      'authenticatorData',
      'clientDataJSON',
      'signature',
      'userHandle',
    ]);
    expect(clientData(registration)).toEqual({
      type: 'webauthn.create',
      challenge: clientData(registration)['challenge'],
      origin,
      crossOrigin: false,
    });
    const binary = [
      registration.id,
      registration.response.attestationObject,
      registration.response.clientDataJSON,
      assertion.response.signature,
      assertion.response.authenticatorData,
    ];
    for (const value of binary) expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses to register again when one of its credentials is in excludeCredentials', async () => {
    const authenticator = new SoftAuthenticator({ origin });
    const credential = await enrol(authenticator);
    const options = await registrationOptions({ excludeCredentials: [{ id: credential.id }] });

    expect(() => authenticator.register(options)).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    expect(authenticator.credentials).toHaveLength(1);
  });

  it('refuses to assert when no credential is allowed, as NotAllowedError', async () => {
    const authenticator = new SoftAuthenticator({ origin });
    await enrol(authenticator);
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [{ id: Buffer.from('someone else').toString('base64url') }],
    });

    expect(() => authenticator.authenticate(options)).toThrow(
      expect.objectContaining({ name: 'NotAllowedError' }),
    );
  });

  it('sets BE and BS as configured, and the verifier reports a synced passkey', async () => {
    const authenticator = new SoftAuthenticator({ origin, backupEligible: true, backedUp: true });
    const { response, challenge } = await register(authenticator);
    const verification = await verifyRegistration(response, challenge);

    expect(flagsOf(registrationAuthData(response))).toBe(UP | UV | BE | BS | AT);
    expect(verification.registrationInfo).toMatchObject({
      credentialDeviceType: 'multiDevice',
      credentialBackedUp: true,
    });
  });

  it('clears UV when the RP discourages user verification', async () => {
    const authenticator = new SoftAuthenticator({ origin });
    await enrol(authenticator);
    const options = await generateAuthenticationOptions({ rpID, userVerification: 'discouraged' });

    expect(flagsOf(assertionAuthData(authenticator.authenticate(options)))).toBe(UP);
  });
});

describe('registration tampering that the verifier refuses', () => {
  const refused: [string, RegistrationTamper, RegExp][] = [
    ['another origin', { origin: 'https://vaultroom.evil' }, /origin/],
    ['the type of an assertion', { type: 'webauthn.get' }, /type/],
    ['another challenge', { challenge: 'cmVwbGF5ZWQ' }, /challenge/],
    ['the RP ID hash of another RP', { rpIdHashOf: 'vaultroom.evil' }, /RP ID hash/],
    ['UV cleared', { flags: UP | AT }, /User verification was required/],
    ['BS without BE', { flags: UP | UV | BS | AT }, /Single-device credential/],
  ];

  it.each(refused)('refuses %s', async (_name, tamper, error) => {
    const { response, challenge } = await register(new SoftAuthenticator({ origin }), tamper);
    await expect(verifyRegistration(response, challenge)).rejects.toThrow(error);
  });

  it('refuses an algorithm the RP did not offer', async () => {
    const options = await generateRegistrationOptions({
      rpName: 'VaultRoom',
      rpID,
      userName: 'alice',
      userID,
      supportedAlgorithmIDs: [-8],
    });
    const response = new SoftAuthenticator({ origin }).register(options, { algorithm: 'ES256' });

    expect(response.response.publicKeyAlgorithm).toBe(-7);
    await expect(
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        supportedAlgorithmIDs: [-8],
      }),
    ).rejects.toThrow(/Unexpected public key alg "-7"/);
  });
});

describe('registration tampering the verifier lets through, for the relay to refuse', () => {
  it('crossOrigin true is in clientDataJSON and registration verifies anyway', async () => {
    const { response, challenge } = await register(new SoftAuthenticator({ origin }), {
      crossOrigin: true,
      topOrigin: 'https://vaultroom.evil',
    });

    expect(clientData(response)).toMatchObject({
      crossOrigin: true,
      topOrigin: 'https://vaultroom.evil',
    });
    expect((await verifyRegistration(response, challenge)).verified).toBe(true);
  });

  it('a credential ID another account already owns registers anyway', async () => {
    const victim = await enrol(new SoftAuthenticator({ origin }));
    const { response, challenge } = await register(new SoftAuthenticator({ origin }), {
      credentialId: victim.id,
    });
    const verification = await verifyRegistration(response, challenge);

    expect(verification.verified).toBe(true);
    expect(verification.registrationInfo?.credential.id).toBe(victim.id);
  });
});

describe('authentication tampering that the verifier refuses', () => {
  const refused: [string, AuthenticationTamper, RegExp][] = [
    ['another origin', { origin: 'https://vaultroom.evil' }, /origin/],
    ['the type of a registration', { type: 'webauthn.create' }, /type/],
    ['another challenge', { challenge: 'cmVwbGF5ZWQ' }, /challenge/],
    ['the RP ID hash of another RP', { rpIdHashOf: 'vaultroom.evil' }, /RP ID hash/],
    ['UV cleared', { flags: UP }, /User verification required/],
    ['BS without BE', { flags: UP | UV | BS }, /Single-device credential/],
    ['a counter that did not go up', { signCount: 1 }, /counter value 1 was lower than expected 1/],
    [
      'crossOrigin true with a topOrigin',
      { crossOrigin: true, topOrigin: 'https://vaultroom.evil' },
      /expectedTopOrigin/,
    ],
  ];

  it.each(refused)('refuses %s', async (_name, tamper, error) => {
    const authenticator = new SoftAuthenticator({ origin });
    const enrolled = await enrol(authenticator);
    // One honest login first, so the stored counter is 1 and a replayed 1 is a regression.
    const honest = await authenticate(authenticator);
    const first = await verifyAuthentication(honest.response, honest.challenge, enrolled);
    const credential = { ...enrolled, counter: first.authenticationInfo.newCounter };

    const { response, challenge } = await authenticate(authenticator, tamper);
    await expect(verifyAuthentication(response, challenge, credential)).rejects.toThrow(error);
  });

  it.each<SoftAlgorithm>(['ES256', 'Ed25519'])(
    'refuses a corrupted %s signature',
    async (algorithm) => {
      const authenticator = new SoftAuthenticator({ origin, algorithm });
      const credential = await enrol(authenticator);
      const { response, challenge } = await authenticate(authenticator, { signatureCorrupt: true });

      const verification = await verifyAuthentication(response, challenge, credential);
      expect(verification.verified).toBe(false);
    },
  );

  it("refuses another credential's signature checked against the stored key", async () => {
    const authenticator = new SoftAuthenticator({ origin });
    const alice = await enrol(authenticator);
    await enrol(authenticator);
    const mallory = authenticator.credentials[1]?.id ?? '';
    const { response, challenge } = await authenticate(authenticator, { credentialId: mallory });

    expect(response.id).toBe(mallory);
    // The verifier never compares response.id with credential.id: only the signature saves it.
    const verification = await verifyAuthentication(response, challenge, alice);
    expect(verification.verified).toBe(false);
  });
});

describe('authentication tampering the verifier lets through, for the relay to refuse', () => {
  async function tampered(
    tamper: AuthenticationTamper,
    options: { backupEligible?: boolean } = {},
  ) {
    const authenticator = new SoftAuthenticator({ origin, ...options });
    const credential = await enrol(authenticator);
    const { response, challenge } = await authenticate(authenticator, tamper);
    return { response, verification: await verifyAuthentication(response, challenge, credential) };
  }

  it('crossOrigin true without topOrigin (as Safari sends it) verifies', async () => {
    const { response, verification } = await tampered({ crossOrigin: true });

    expect(clientData(response)['crossOrigin']).toBe(true);
    expect(verification.verified).toBe(true);
  });

  it('a userHandle of another account verifies', async () => {
    const bob = Buffer.from('account-0002').toString('base64url');
    const { response, verification } = await tampered({ userHandle: bob });

    expect(response.response.userHandle).toBe(bob);
    expect(verification.verified).toBe(true);
  });

  it('a counter of 0 after a counter of 0 verifies (the check skips when both are 0)', async () => {
    const { response, verification } = await tampered({ signCount: 0 });

    expect(signCountOf(assertionAuthData(response))).toBe(0);
    expect(verification.verified).toBe(true);
    expect(verification.authenticationInfo.newCounter).toBe(0);
  });

  it('BE cleared on a credential registered backup-eligible verifies', async () => {
    const { response, verification } = await tampered({ flags: UP | UV }, { backupEligible: true });

    expect(flagsOf(assertionAuthData(response)) & BE).toBe(0);
    expect(verification.verified).toBe(true);
    expect(verification.authenticationInfo.credentialDeviceType).toBe('singleDevice');
  });

  it('a tampered counter leaves the stored counter where it was', async () => {
    const authenticator = new SoftAuthenticator({ origin });
    await enrol(authenticator);
    const { response } = await authenticate(authenticator, { signCount: 7 });

    expect(signCountOf(assertionAuthData(response))).toBe(7);
    expect(authenticator.credentials[0]?.signCount).toBe(0);
  });
});
