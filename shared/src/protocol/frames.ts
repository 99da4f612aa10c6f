import * as v from 'valibot';
import { LIMITS } from './limits.js';
import { PROTOCOL_ERROR_CODES } from './ProtocolError.js';
import { fetchLogFrame, keyProofsFrame, logLeavesFrame, proveKeysFrame } from './keyLogFrames.js';

export { fetchLogFrame, keyProofsFrame, logLeavesFrame, proveKeysFrame };

const bytes = (max: number) => v.pipe(v.instance(Uint8Array), v.maxLength(max, 'too many bytes'));
const id = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxIdLength));
const requestId = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0xffff_ffff));
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const messageId = v.pipe(v.instance(Uint8Array), v.length(LIMITS.messageIdBytes));
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxDeviceNameLength));
const keyId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff_ffff));
const x25519Key = v.pipe(v.instance(Uint8Array), v.length(32));
const signature = v.pipe(v.instance(Uint8Array), v.length(64));
const handle = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const accountKey = v.pipe(v.instance(Uint8Array), v.length(32));
/** A device certificate or signed device list (PROTOCOL.md §1.15.2–3), opaque to the relay. */
const trustObject = bytes(LIMITS.maxTrustObjectBytes);
const certificates = v.pipe(v.array(trustObject), v.maxLength(LIMITS.maxAccountDevices));
/** A WebAuthn credential id in base64url, as the relay and the browser give it. */
const credentialId = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxCredentialIdLength));

/** The public half of a device identity (PROTOCOL.md §1.4.1). */
export const publicIdentityShape = v.strictObject({
  signingPublicKey: v.pipe(v.instance(Uint8Array), v.length(32)),
  dhPublicKey: x25519Key,
  dhSignature: signature,
});

/** Signed with the key (§1.4.1): the relay checks it, senders refuse keys too old (§1.4.4). */
const createdAt = count;
export const signedPrekeyShape = v.strictObject({
  id: keyId,
  createdAt,
  publicKey: x25519Key,
  signature,
});
/** X-Wing public key: ML-KEM-768 (1184 bytes) followed by X25519 (32 bytes). */
export const pqPrekeyShape = v.strictObject({
  id: keyId,
  createdAt,
  publicKey: v.pipe(v.instance(Uint8Array), v.length(1216)),
  signature,
});
export const oneTimePrekeyShape = v.strictObject({ id: keyId, publicKey: x25519Key });

// ---- client → relay -------------------------------------------------------------------------

/** First frame on every connection. `device` is this browser's device id once registered. */
export const helloFrame = v.strictObject({
  t: v.literal('hello'),
  v: v.pipe(v.number(), v.integer()),
  device: v.nullable(id),
});

export const registerDeviceFrame = v.strictObject({
  t: v.literal('register-device'),
  id: requestId,
  name,
  /** The device's public identity; the relay checks the signature over its DH key. */
  identity: publicIdentityShape,
});

export const uploadPrekeysFrame = v.strictObject({
  t: v.literal('upload-prekeys'),
  id: requestId,
  signedPrekey: v.nullable(signedPrekeyShape),
  pqPrekey: v.nullable(pqPrekeyShape),
  oneTimePrekeys: v.pipe(v.array(oneTimePrekeyShape), v.maxLength(LIMITS.maxOneTimePrekeys)),
});

export const fetchBundlesFrame = v.strictObject({
  t: v.literal('fetch-bundles'),
  id: requestId,
  /** The handle of the account whose devices' bundles are wanted. */
  account: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
});

export const listDevicesFrame = v.strictObject({ t: v.literal('list-devices'), id: requestId });

/** Asks which account each device belongs to: a recipient learns who sent an envelope. */
export const lookupDevicesFrame = v.strictObject({
  t: v.literal('lookup-devices'),
  id: requestId,
  devices: v.pipe(v.array(id), v.minLength(1), v.maxLength(LIMITS.maxRecipients)),
});

export const renameDeviceFrame = v.strictObject({
  t: v.literal('rename-device'),
  id: requestId,
  device: id,
  name,
});

export const revokeDeviceFrame = v.strictObject({
  t: v.literal('revoke-device'),
  id: requestId,
  device: id,
});

/**
 * Publishes the account's trust objects (PROTOCOL.md §2.9): the account key, a newer signed
 * device list and the certificates it names that the relay does not hold yet. Needs a fresh user
 * verification (`REAUTH_REQUIRED`); `replaceAccountKey` starts a new account key (a key change
 * every contact sees).
 */
export const publishTrustFrame = v.strictObject({
  t: v.literal('publish-trust'),
  id: requestId,
  accountKey,
  list: trustObject,
  certificates,
  replaceAccountKey: v.boolean(),
});

/** Asks for an account's account key, newest signed device list and the certificates it names. */
export const fetchTrustFrame = v.strictObject({
  t: v.literal('fetch-trust'),
  id: requestId,
  account: handle,
});

/** Keeps the account key sealed under one of the account's passkeys' PRF output (§1.15.5). */
export const storeSealedKeyFrame = v.strictObject({
  t: v.literal('store-sealed-key'),
  id: requestId,
  credential: credentialId,
  sealed: bytes(LIMITS.maxSealedKeyBytes),
});

/** Asks for the sealed account key of the passkey this session signed in with. */
export const fetchSealedKeyFrame = v.strictObject({
  t: v.literal('fetch-sealed-key'),
  id: requestId,
});

export const sendFrame = v.strictObject({
  t: v.literal('send'),
  id: requestId,
  /** The client's id for this message: a retried send with the same id is stored once. */
  msg: messageId,
  to: v.pipe(
    v.array(v.strictObject({ device: id, body: bytes(LIMITS.maxEnvelopeBytes) })),
    v.minLength(1),
    v.maxLength(LIMITS.maxRecipients),
  ),
});

/** Acknowledges stored envelopes; the relay deletes them. No reply. */
export const ackFrame = v.strictObject({
  t: v.literal('ack'),
  envelopes: v.pipe(v.array(id), v.minLength(1), v.maxLength(LIMITS.maxAckIds)),
});

export const pingFrame = v.strictObject({ t: v.literal('ping'), id: requestId });

export const clientFrame = v.variant('t', [
  helloFrame,
  registerDeviceFrame,
  uploadPrekeysFrame,
  fetchBundlesFrame,
  listDevicesFrame,
  lookupDevicesFrame,
  renameDeviceFrame,
  revokeDeviceFrame,
  publishTrustFrame,
  fetchTrustFrame,
  storeSealedKeyFrame,
  fetchSealedKeyFrame,
  proveKeysFrame,
  fetchLogFrame,
  sendFrame,
  ackFrame,
  pingFrame,
]);

// ---- relay → client -------------------------------------------------------------------------

export const welcomeFrame = v.strictObject({
  t: v.literal('welcome'),
  v: v.pipe(v.number(), v.integer()),
  device: v.nullable(id),
  /** The relay's clock (ms since epoch), so a client can tell a skewed clock. */
  time: count,
});

export const deviceRegisteredFrame = v.strictObject({
  t: v.literal('device-registered'),
  id: requestId,
  device: id,
});

export const prekeysStoredFrame = v.strictObject({
  t: v.literal('prekeys-stored'),
  id: requestId,
  oneTimePrekeys: count,
});

export const bundlesFrame = v.strictObject({
  t: v.literal('bundles'),
  id: requestId,
  /** Each bundle in the §1.4.3 encoding; clients verify its signatures before use. */
  bundles: v.array(v.strictObject({ device: id, bundle: bytes(LIMITS.maxKeyRecordBytes) })),
});

export const devicesFrame = v.strictObject({
  t: v.literal('devices'),
  id: requestId,
  devices: v.array(
    v.strictObject({
      device: id,
      name,
      createdAt: count,
      lastSeenAt: v.nullable(count),
      current: v.boolean(),
    }),
  ),
});

/**
 * The owner of each looked-up device the relay knows; unknown devices and those of deleted
 * accounts are left out. `revoked` devices stay listed so old messages keep their sender.
 */
export const deviceOwnersFrame = v.strictObject({
  t: v.literal('device-owners'),
  id: requestId,
  devices: v.array(
    v.strictObject({
      device: id,
      account: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
      revoked: v.boolean(),
    }),
  ),
});

/**
 * An account's trust objects as the relay holds them; all null/empty for an account that has
 * published none. Clients verify everything (§1.15.6): the relay cannot make these objects.
 */
export const trustFrame = v.strictObject({
  t: v.literal('trust'),
  id: requestId,
  account: handle,
  accountKey: v.nullable(accountKey),
  list: v.nullable(trustObject),
  certificates,
});

export const sealedKeyFrame = v.strictObject({
  t: v.literal('sealed-key'),
  id: requestId,
  /** The passkey this session signed in with, and its sealed account key if one is stored. */
  credential: v.nullable(credentialId),
  sealed: v.nullable(bytes(LIMITS.maxSealedKeyBytes)),
});

/** An account's trust objects changed (sent to that account's own connected devices). */
export const trustChangedFrame = v.strictObject({ t: v.literal('trust-changed'), account: handle });

/** The send is durable on the relay or already acked by every recipient: the sender may forget it. */
export const sentFrame = v.strictObject({
  t: v.literal('sent'),
  id: requestId,
  msg: messageId,
});

export const doneFrame = v.strictObject({ t: v.literal('done'), id: requestId });

export const errorFrame = v.strictObject({
  t: v.literal('error'),
  /** The request refused, or null for a frame that had no readable id. */
  id: v.nullable(requestId),
  code: v.picklist(PROTOCOL_ERROR_CODES),
});

export const deliverFrame = v.strictObject({
  t: v.literal('deliver'),
  envelopes: v.array(
    v.strictObject({
      id,
      from: id,
      msg: messageId,
      body: bytes(LIMITS.maxEnvelopeBytes),
      /** When the relay accepted it (ms since epoch). */
      at: count,
    }),
  ),
});

/** Everything stored for this device has been pushed; new envelopes follow as they arrive. */
export const queueEmptyFrame = v.strictObject({ t: v.literal('queue-empty') });

export const prekeysLowFrame = v.strictObject({ t: v.literal('prekeys-low'), remaining: count });

export const serverFrame = v.variant('t', [
  welcomeFrame,
  deviceRegisteredFrame,
  prekeysStoredFrame,
  bundlesFrame,
  devicesFrame,
  deviceOwnersFrame,
  trustFrame,
  sealedKeyFrame,
  keyProofsFrame,
  logLeavesFrame,
  sentFrame,
  doneFrame,
  errorFrame,
  deliverFrame,
  queueEmptyFrame,
  prekeysLowFrame,
  trustChangedFrame,
]);

export type ClientFrame = v.InferOutput<typeof clientFrame>;
export type ServerFrame = v.InferOutput<typeof serverFrame>;
export type ClientRequest = Exclude<ClientFrame, { t: 'hello' } | { t: 'ack' }>;
