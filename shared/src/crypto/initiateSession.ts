import type { IdentityKeyPair, PrekeyBundle } from './keyTypes.js';
import type { SessionState } from './SessionState.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { diffieHellman } from './diffieHellman.js';
import { handshakeId } from './handshakeId.js';
import { handshakeSecret } from './handshakeSecret.js';
import { SIZES } from './labels.js';
import { encodePrekeyPrefix } from './pairwiseMessage.js';
import { kdfRoot } from './ratchetKdf.js';
import { verifyPrekeyBundle } from './verifyPrekeyBundle.js';

/**
 * Initiator side of the handshake (PROTOCOL.md §1.5.2): verify the bundle (signatures, and its
 * prekeys' age against `now`, the caller's clock), four DHs (three
 * without a one-time prekey) plus an X-Wing encapsulation, SK, then RatchetInitAlice (Double
 * Ratchet spec §3.3) with the signed prekey as the responder's first ratchet key.
 * Nothing is sent yet: every message from this session carries the prekey prefix until the
 * responder answers. Random draws, in order: EK_A (32), X-Wing encapsulation seed (64),
 * first sending ratchet key (32).
 */
export function initiateSession(
  sodium: Sodium,
  identity: IdentityKeyPair,
  bundle: PrekeyBundle,
  now: number,
  random: Random = systemRandom(sodium),
): SessionState {
  verifyPrekeyBundle(sodium, bundle, now);
  const ephemeralSecret = random(SIZES.x25519);
  const ephemeralKey = sodium.crypto_scalarmult_base(ephemeralSecret);
  const spk = bundle.signedPrekey.publicKey;
  const opk = bundle.oneTimePrekey?.publicKey ?? null;
  // X3DH §3.3: DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B).
  const dh1 = diffieHellman(sodium, identity.dhSecretKey, spk);
  const dh2 = diffieHellman(sodium, ephemeralSecret, bundle.identity.dhPublicKey);
  const dh3 = diffieHellman(sodium, ephemeralSecret, spk);
  const dh4 = opk ? diffieHellman(sodium, ephemeralSecret, opk) : null;
  // PQXDH §3.3: (CT, SS) = PQKEM-ENC(PQPK_B), here X-Wing.
  const encapsulation = sodium.crypto_kem_xwing_enc_deterministic(
    bundle.pqPrekey.publicKey,
    random(SIZES.xwingEncapsSeed),
  );
  const sk = handshakeSecret(sodium, {
    dh1,
    dh2,
    dh3,
    dh4,
    pqSharedSecret: encapsulation.sharedSecret,
    initiatorIdentityKey: identity.signingPublicKey,
    initiatorDhKey: identity.dhPublicKey,
    responderIdentityKey: bundle.identity.signingPublicKey,
    responderDhKey: bundle.identity.dhPublicKey,
    ephemeralKey,
    signedPrekey: spk,
    oneTimePrekey: opk,
    pqPrekey: bundle.pqPrekey.publicKey,
    pqCiphertext: encapsulation.ciphertext,
  });
  // Double Ratchet §3.3 RatchetInitAlice(SK, SPK_B).
  const ratchetSecret = random(SIZES.x25519);
  const ratchetPublic = sodium.crypto_scalarmult_base(ratchetSecret);
  const step = kdfRoot(sodium, sk, diffieHellman(sodium, ratchetSecret, spk));
  const pendingPrekey = encodePrekeyPrefix({
    senderIdentityKey: identity.signingPublicKey,
    senderDhKey: identity.dhPublicKey,
    senderDhSignature: identity.dhSignature,
    ephemeralKey,
    signedPrekeyId: bundle.signedPrekey.id,
    pqPrekeyId: bundle.pqPrekey.id,
    oneTimePrekeyId: bundle.oneTimePrekey?.id ?? null,
    pqCiphertext: encapsulation.ciphertext,
  });
  return {
    localIdentityKey: identity.signingPublicKey,
    remoteIdentityKey: bundle.identity.signingPublicKey,
    handshakeId: handshakeId(sodium, pendingPrekey),
    rootKey: step.rootKey,
    sendingRatchetSecretKey: ratchetSecret,
    sendingRatchetPublicKey: ratchetPublic,
    receivingRatchetKey: spk,
    sendingChainKey: step.chainKey,
    sendingCounter: 0,
    previousSendingCounter: 0,
    receivingChainKey: null,
    receivingCounter: 0,
    previousRatchetKeys: [],
    skippedKeys: new Map(),
    pendingPrekey,
  };
}
