import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import { Encoder } from 'cbor-x';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator and client (the browser's part) in one, for integration tests:
 * it answers real registration and authentication options with the JSON a browser and
 * @simplewebauthn/browser would post, and can be told to lie in the ways an attacker would.
 * Test code only: it keeps private keys in memory and signs whatever it is asked to.
 */

export type SoftAlgorithm = 'ES256' | 'Ed25519';

/** What a test may see of a credential; the private key stays inside the authenticator. */
export interface SoftCredential {
  /** Credential ID, base64url. */
  readonly id: string;
  /** `user.id` of the registration options, base64url. */
  readonly userHandle: string;
  readonly rpId: string;
  readonly algorithm: SoftAlgorithm;
  /** The counter of the last honest ceremony (tampered counters do not move it). */
  readonly signCount: number;
}

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" is on; goes into clientDataJSON. */
  origin: string;
  /** RP ID used when the options carry none; default: the origin's host. */
  rpId?: string;
  /** AAGUID as a UUID string; default all-zero, as platform authenticators with 'none' attestation. */
  aaguid?: string;
  backupEligible?: boolean;
  backedUp?: boolean;
  /** Use this algorithm when the RP offers it (and refuse registration when it does not). */
  algorithm?: SoftAlgorithm;
}

/** Lies that both ceremonies can tell; every field is optional and absent means honest. */
export interface CeremonyTamper {
  /** A different `origin` in clientDataJSON (phishing site). */
  origin?: string;
  /** `crossOrigin: true` in clientDataJSON (ceremony run in a cross-origin iframe). */
  crossOrigin?: boolean;
  /** A `topOrigin` in clientDataJSON (the embedding page of a cross-origin iframe). */
  topOrigin?: string;
  /** A different `type` in clientDataJSON, e.g. 'webauthn.get' during registration. */
  type?: string;
  /** A different challenge (base64url) in clientDataJSON (replay). */
  challenge?: string;
  /** Put SHA-256 of this RP ID in authenticator data instead of the real one. */
  rpIdHashOf?: string;
  /** The whole flags byte, AT included; build it from {@link AuthenticatorFlag}. */
  flags?: number;
  /** This counter in authenticator data; the stored counter does not move. */
  signCount?: number;
}

export interface RegistrationTamper extends CeremonyTamper {
  /** Make a key of this algorithm even when the RP did not offer it. */
  algorithm?: SoftAlgorithm;
  /** Make the new credential under this ID (base64url), e.g. one another account already owns. */
  credentialId?: string;
}

export interface AuthenticationTamper extends CeremonyTamper {
  /** Assert with this credential (base64url ID) whatever allowCredentials and the RP ID say. */
  credentialId?: string;
  /** Claim this user handle (base64url) instead of the credential's own. */
  userHandle?: string;
  /** Flip a bit of the signature after signing. */
  signatureCorrupt?: boolean;
}

/** Authenticator data flag bits (WebAuthn L3 §6.1, "flags"). */
export const AuthenticatorFlag = {
  UP: 0x01,
  UV: 0x04,
  BE: 0x08,
  BS: 0x10,
  AT: 0x40,
  ED: 0x80,
} as const;

/** COSE algorithm identifiers (IANA COSE Algorithms registry). */
const coseAlgorithm: Record<SoftAlgorithm, number> = { ES256: -7, Ed25519: -8 };

interface StoredCredential {
  readonly id: Buffer;
  readonly userHandle: Buffer;
  readonly rpId: string;
  readonly algorithm: SoftAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  signCount: number;
}

/**
 * CTAP2 canonical CBOR (CTAP2 §8 "Message Encoding"): Maps as plain CBOR maps (no tag 259),
 * byte strings untagged (no tag 64), no cbor-x records. @simplewebauthn/server re-encodes the
 * COSE key it finds to measure its length, so any other encoding would break its parsing.
 */
const cbor = new Encoder({
  mapsAsObjects: false,
  useRecords: false,
  tagUint8Array: false,
  variableMapSize: true,
});

export class SoftAuthenticator {
  readonly #origin: string;
  readonly #rpId: string;
  readonly #aaguid: Buffer;
  readonly #backupEligible: boolean;
  readonly #backedUp: boolean;
  readonly #algorithm: SoftAlgorithm | undefined;
  readonly #credentials: StoredCredential[] = [];

  constructor(options: SoftAuthenticatorOptions) {
    this.#origin = options.origin;
    this.#rpId = options.rpId ?? new URL(options.origin).hostname;
    this.#aaguid = parseAaguid(options.aaguid ?? '00000000-0000-0000-0000-000000000000');
    this.#backupEligible = options.backupEligible ?? false;
    this.#backedUp = options.backedUp ?? false;
    this.#algorithm = options.algorithm;
  }

  /** Snapshots of the credentials made so far, oldest first. */
  get credentials(): readonly SoftCredential[] {
    return this.#credentials.map((credential) => ({
      id: credential.id.toString('base64url'),
      userHandle: credential.userHandle.toString('base64url'),
      rpId: credential.rpId,
      algorithm: credential.algorithm,
      signCount: credential.signCount,
    }));
  }

  /**
   * navigator.credentials.create() followed by @simplewebauthn/browser's JSON: makes a discoverable
   * credential with 'none' attestation. Throws a DOMException named as a browser would.
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    tamper: RegistrationTamper = {},
  ): RegistrationResponseJSON {
    // §5.1.3: the RP ID defaults to the origin's effective domain and must be it or a
    // registrable suffix of it; the constructor's rpId stands in for the effective domain.
    const rpId = options.rp.id ?? this.#rpId;
    this.#checkRpId(rpId);

    // §6.3.2 authenticatorMakeCredential step 3: a listed credential of ours for this RP means the
    // user is already registered, and the client reports InvalidStateError (§5.1.3).
    const excluded = new Set((options.excludeCredentials ?? []).map((descriptor) => descriptor.id));
    if (
      this.#credentials.some((c) => c.rpId === rpId && excluded.has(c.id.toString('base64url')))
    ) {
      throw new DOMException(
        'A credential in excludeCredentials is on this authenticator',
        'InvalidStateError',
      );
    }

    const algorithm = tamper.algorithm ?? this.#chooseAlgorithm(options);
    const { privateKey, publicKey } =
      algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
    const id =
      tamper.credentialId === undefined
        ? randomBytes(32)
        : Buffer.from(tamper.credentialId, 'base64url');
    const credential: StoredCredential = {
      id,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      rpId,
      algorithm,
      privateKey,
      publicKey,
      signCount: 0,
    };

    // §6.5.1 attested credential data: aaguid(16) | credentialIdLength(2, big-endian) |
    // credentialId | credentialPublicKey (COSE_Key).
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const attestedCredentialData = Buffer.concat([
      this.#aaguid,
      idLength,
      id,
      coseKey(algorithm, publicKey),
    ]);

    // §6.3.2: UP always, UV unless the RP discouraged it (the RP checks both in §7.1).
    const userVerification = options.authenticatorSelection?.userVerification ?? 'preferred';
    const flags =
      AuthenticatorFlag.UP |
      (userVerification === 'discouraged' ? 0 : AuthenticatorFlag.UV) |
      this.#backupFlags() |
      AuthenticatorFlag.AT;
    const authenticatorData = this.#authenticatorData(
      rpId,
      flags,
      0,
      tamper,
      attestedCredentialData,
    );

    // §8.7 'none' attestation: fmt "none", empty attStmt. Key order as CTAP2 and browsers send it.
    const attestationObject = cbor.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    );
    const clientDataJSON = this.#clientDataJSON('webauthn.create', options.challenge, tamper);

    // Replace a credential with the same ID so authenticate() stays unambiguous.
    const existing = this.#credentials.findIndex((c) => c.id.equals(id));
    if (existing >= 0) this.#credentials.splice(existing, 1);
    this.#credentials.push(credential);

    const credentialId = id.toString('base64url');
    // Field order as @simplewebauthn/browser's startRegistration() builds it.
    return {
      id: credentialId,
      rawId: credentialId,
      response: {
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        clientDataJSON: clientDataJSON.toString('base64url'),
        transports: ['internal'],
        publicKeyAlgorithm: coseAlgorithm[algorithm],
        // §5.2.1 getPublicKey(): the DER SubjectPublicKeyInfo of the credential public key.
        publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
      },
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * navigator.credentials.get() followed by @simplewebauthn/browser's JSON. With an empty
   * allowCredentials it is a discoverable-credential login and takes the oldest credential for the
   * RP ID. The counter goes up by one per honest assertion.
   */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    tamper: AuthenticationTamper = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? this.#rpId;
    this.#checkRpId(rpId);

    const credential = this.#pickCredential(rpId, options, tamper.credentialId);
    const signCount = tamper.signCount ?? credential.signCount + 1;
    if (tamper.signCount === undefined) credential.signCount = signCount;

    // §6.3.3 authenticatorGetAssertion: UP always, UV unless the RP discouraged it; the
    // backup flags are the credential's current state (§6.1.3). No AT in an assertion.
    const userVerification = options.userVerification ?? 'preferred';
    const flags =
      AuthenticatorFlag.UP |
      (userVerification === 'discouraged' ? 0 : AuthenticatorFlag.UV) |
      this.#backupFlags();
    const authenticatorData = this.#authenticatorData(credential.rpId, flags, signCount, tamper);
    const clientDataJSON = this.#clientDataJSON('webauthn.get', options.challenge, tamper);

    // §6.3.3: the signature is over authenticatorData || SHA-256(clientDataJSON); ES256
    // signatures are ASN.1 DER (§6.5.5), Ed25519 signatures the raw 64 bytes (RFC 8032).
    const signed = Buffer.concat([authenticatorData, sha256(clientDataJSON)]);
    const signature =
      credential.algorithm === 'ES256'
        ? sign('sha256', signed, { key: credential.privateKey, dsaEncoding: 'der' })
        : sign(null, signed, credential.privateKey);
    if (tamper.signatureCorrupt === true) {
      // The last byte lies inside the integer s (DER) or S (Ed25519), so the encoding stays
      // well-formed and only the verification fails.
      signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
    }

    const credentialId = credential.id.toString('base64url');
    // Field order as @simplewebauthn/browser's startAuthentication() builds it.
    return {
      id: credentialId,
      rawId: credentialId,
      response: {
        authenticatorData: authenticatorData.toString('base64url'),
        clientDataJSON: clientDataJSON.toString('base64url'),
        signature: signature.toString('base64url'),
        // Discoverable credentials always return the user handle (§6.3.3).
        userHandle: tamper.userHandle ?? credential.userHandle.toString('base64url'),
      },
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  #checkRpId(rpId: string): void {
    const host = new URL(this.#origin).hostname;
    if (rpId !== host && !host.endsWith(`.${rpId}`)) {
      throw new DOMException(
        `RP ID ${rpId} is not valid for origin ${this.#origin}`,
        'SecurityError',
      );
    }
  }

  /** First algorithm in the RP's order that we support (§5.1.3), or the one we were told. */
  #chooseAlgorithm(options: PublicKeyCredentialCreationOptionsJSON): SoftAlgorithm {
    const offered = options.pubKeyCredParams.map((param) => param.alg);
    const supported: readonly SoftAlgorithm[] =
      this.#algorithm === undefined ? ['Ed25519', 'ES256'] : [this.#algorithm];
    for (const alg of offered) {
      const match = supported.find((candidate) => coseAlgorithm[candidate] === alg);
      if (match !== undefined) return match;
    }
    throw new DOMException(
      `None of the offered algorithms [${offered.join(', ')}] is supported`,
      'NotSupportedError',
    );
  }

  #pickCredential(
    rpId: string,
    options: PublicKeyCredentialRequestOptionsJSON,
    tamperId: string | undefined,
  ): StoredCredential {
    if (tamperId !== undefined) {
      const chosen = this.#credentials.find((c) => c.id.toString('base64url') === tamperId);
      if (chosen === undefined) {
        throw new Error(`SoftAuthenticator holds no credential ${tamperId}`);
      }
      return chosen;
    }
    // §6.3.3: credentials scoped to the RP ID, narrowed to allowCredentials if any.
    const allowed = new Set((options.allowCredentials ?? []).map((descriptor) => descriptor.id));
    const candidate = this.#credentials.find(
      (c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(c.id.toString('base64url'))),
    );
    if (candidate === undefined) {
      // Browsers report "no credential" as NotAllowedError so as not to reveal which exist (§5.1.4).
      throw new DOMException('No matching credential on this authenticator', 'NotAllowedError');
    }
    return candidate;
  }

  #backupFlags(): number {
    return (
      (this.#backupEligible ? AuthenticatorFlag.BE : 0) |
      (this.#backedUp ? AuthenticatorFlag.BS : 0)
    );
  }

  /**
   * §6.1 authenticator data: rpIdHash(32) | flags(1) | signCount(4, big-endian) |
   * attestedCredentialData (if AT) | extensions (if ED, never here).
   */
  #authenticatorData(
    rpId: string,
    flags: number,
    signCount: number,
    tamper: CeremonyTamper,
    attestedCredentialData: Buffer = Buffer.alloc(0),
  ): Buffer {
    const header = Buffer.alloc(37);
    sha256(Buffer.from(tamper.rpIdHashOf ?? rpId, 'utf8')).copy(header, 0);
    header.writeUInt8(tamper.flags ?? flags, 32);
    header.writeUInt32BE(tamper.signCount ?? signCount, 33);
    return Buffer.concat([header, attestedCredentialData]);
  }

  /**
   * §5.8.1.1 serialization of client data: type, challenge, origin, crossOrigin in that order,
   * then topOrigin; browsers always write crossOrigin, false when same-origin.
   */
  #clientDataJSON(type: string, challenge: string, tamper: CeremonyTamper): Buffer {
    const clientData: Record<string, string | boolean> = {
      type: tamper.type ?? type,
      challenge: tamper.challenge ?? challenge,
      origin: tamper.origin ?? this.#origin,
      crossOrigin: tamper.crossOrigin ?? false,
    };
    if (tamper.topOrigin !== undefined) clientData['topOrigin'] = tamper.topOrigin;
    return Buffer.from(JSON.stringify(clientData), 'utf8');
  }
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function parseAaguid(uuid: string): Buffer {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) {
    throw new TypeError(`AAGUID must be a UUID, got ${uuid}`);
  }
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/**
 * The credential public key as a COSE_Key (RFC 9052 §7, RFC 9053 §7; examples in WebAuthn L3
 * §6.5.1.1), keys in CTAP2 canonical order 1, 3, -1, -2, -3.
 */
function coseKey(algorithm: SoftAlgorithm, publicKey: KeyObject): Uint8Array {
  // The JWK comes from a copy of the key parsed from its SPKI. Node 20 holds a key's lock while it
  // builds the JWK; a garbage collection at that moment which frees the job that generated the key
  // takes the same lock, and the process hangs for good (seen during 1,000 sign-ups in a row, and
  // within tens of thousands of generate-then-export calls). A parsed copy has a lock of its own.
  const copy = createPublicKey({
    key: publicKey.export({ type: 'spki', format: 'der' }),
    format: 'der',
    type: 'spki',
  });
  const jwk: JsonWebKey = copy.export({ format: 'jwk' });
  const x = jwkCoordinate(jwk.x);
  const key =
    algorithm === 'ES256'
      ? // EC2 (kty 2), ES256, P-256 (crv 1), x and y as 32-byte big-endian.
        new Map<number, number | Buffer>([
          [1, 2],
          [3, coseAlgorithm.ES256],
          [-1, 1],
          [-2, x],
          [-3, jwkCoordinate(jwk.y)],
        ])
      : // OKP (kty 1), EdDSA, Ed25519 (crv 6), x the 32-byte public key.
        new Map<number, number | Buffer>([
          [1, 1],
          [3, coseAlgorithm.Ed25519],
          [-1, 6],
          [-2, x],
        ]);
  return cbor.encode(key);
}

function jwkCoordinate(value: string | undefined): Buffer {
  if (value === undefined) throw new TypeError('Public key JWK lacks a coordinate');
  return Buffer.from(value, 'base64url');
}
