/**
 * `@vaultroom/shared/crypto`: the VaultRoom end-to-end protocol (shared/PROTOCOL.md, Part 1).
 * Every function takes libsodium-wrappers as its first argument; the caller awaits
 * `sodium.ready` once. Randomness is injectable (`Random`) for known-answer tests only.
 */
export type { Random, Sodium } from './Sodium.js';
export { systemRandom } from './Sodium.js';
export { CryptoError, isCryptoError, type CryptoErrorCode } from './CryptoError.js';
export * as labels from './labels.js';
export { E2E_VERSION, MAX_SKIP, MAX_SKIPPED_KEYS } from './labels.js';
export { createSeededRandom } from './createSeededRandom.js';

export type {
  IdentityKeyPair,
  OneTimePrekeyPair,
  PqPrekeyPair,
  PrekeyBundle,
  PublishedPrekey,
  PublicIdentity,
  SignedPrekeyPair,
} from './keyTypes.js';
export { publicIdentity } from './keyTypes.js';
export { generateIdentityKeyPair } from './generateIdentityKeyPair.js';
export { generateSignedPrekey } from './generateSignedPrekey.js';
export { generatePqPrekey } from './generatePqPrekey.js';
export { generateOneTimePrekeys } from './generateOneTimePrekeys.js';
export { generateDeviceKeys, type DeviceKeys } from './generateDeviceKeys.js';
export {
  prekeysToRetire,
  needsMoreOneTimePrekeys,
  type PrekeySchedule,
} from './prekeysToRetire.js';
export { createPrekeyBundle, decodePrekeyBundle, encodePrekeyBundle } from './prekeyBundle.js';
export { verifyPrekeyBundle } from './verifyPrekeyBundle.js';
export { verifyPrekeySignature, type PrekeyKind, type SignedKeyFacts } from './prekeySignature.js';
export {
  decodeIdentityKeyPair,
  decodeOneTimePrekey,
  decodePqPrekey,
  decodeSignedPrekey,
  encodeIdentityKeyPair,
  encodeOneTimePrekey,
  encodePqPrekey,
  encodeSignedPrekey,
} from './keyRecords.js';

export type { SessionState, SkippedKey } from './SessionState.js';
export type { PrekeyStore, SenderKeyStore, SessionStore } from './stores.js';
export { initiateSession } from './initiateSession.js';
export { acceptSession, type AcceptedPrekeys } from './acceptSession.js';
export { encryptMessage, type EncryptResult } from './encryptMessage.js';
export { decryptMessage, type DecryptResult } from './decryptMessage.js';
export {
  decodePrekeyMessage,
  decodeRatchetMessage,
  peekMessageType,
  type PrekeyMessage,
  type RatchetMessage,
} from './pairwiseMessage.js';
export { sendMessage } from './sendMessage.js';
export { receiveMessage, type ReceiveResult } from './receiveMessage.js';
export { decodeSession, encodeSession } from './sessionRecord.js';
export { createMemoryStores, type MemoryStores } from './createMemoryStores.js';

export { padPlaintext, unpadPlaintext } from './padding.js';

// §1.16 Attachments: chunked secretstream encryption, Padmé padding, the pointer.
export * as attachmentLabels from './attachmentLabels.js';
export {
  attachmentChunkCount,
  attachmentCiphertextLength,
  paddedAttachmentLength,
} from './attachmentPadding.js';
export { createAttachmentHasher, hashAttachmentCiphertext } from './attachmentHash.js';
export {
  createAttachmentEncryptor,
  type AttachmentEncryptor,
  type EncryptedAttachment,
} from './encryptAttachment.js';
export {
  createAttachmentDecryptor,
  type AttachmentDecryptor,
  type AttachmentSecrets,
} from './decryptAttachment.js';
export {
  decodeAttachmentPointer,
  encodeAttachmentPointer,
  type AttachmentPointer,
} from './attachmentPointer.js';
export {
  decodeContent,
  encodeContent,
  type Content,
  type SentMessage,
  type TranscribedContent,
  type TranscriptDestination,
} from './content.js';

export {
  decodeSenderKeyDistribution,
  encodeSenderKeyDistribution,
  type SenderKeyDistribution,
} from './senderKeyDistribution.js';
export {
  createSenderKey,
  decodeSenderKey,
  encodeSenderKey,
  processSenderKeyDistribution,
  senderKeyDistribution,
  type SenderKeyState,
} from './SenderKeyState.js';
export {
  groupDecrypt,
  groupEncrypt,
  peekGroupMessage,
  type GroupMessageHeader,
} from './groupMessage.js';

export { rotateSenderKey } from './rotateSenderKey.js';
export { sendGroupMessage } from './sendGroupMessage.js';
export { receiveGroupMessage } from './receiveGroupMessage.js';

export {
  compareIdentityKeys,
  computeSafetyNumber,
  verifySafetyNumberQr,
  type AccountIdentity,
  type IdentityChange,
  type SafetyNumber,
} from './safetyNumber.js';

export {
  computeAccountSafetyNumber,
  verifyAccountSafetyNumberQr,
  type AccountKeyIdentity,
  type AccountSafetyNumber,
} from './accountSafetyNumber.js';

export { generateAccountKey, type AccountKeyPair } from './generateAccountKey.js';
export {
  certifyDevice,
  deviceCertificateHash,
  type DeviceCertificate,
  type DeviceCertificateFields,
} from './certifyDevice.js';
export { verifyDeviceCertificate } from './verifyDeviceCertificate.js';
export {
  signDeviceList,
  type DeviceList,
  type DeviceListEntry,
  type DeviceListFields,
} from './signDeviceList.js';
export { verifyDeviceList, type VerifyDeviceListOptions } from './verifyDeviceList.js';
export { verifyAccountDevices, type AccountDevices } from './verifyAccountDevices.js';
export {
  sealAccountKey,
  SEALED_ACCOUNT_KEY_BYTES,
  type AccountKeySealBinding,
} from './sealAccountKey.js';
export { openAccountKey } from './openAccountKey.js';

export { createLinkOffer, LINK_CODE_ALPHABET, type LinkOffer } from './createLinkOffer.js';
export { decodeLinkOffer } from './decodeLinkOffer.js';
export { confirmLinkCode } from './confirmLinkCode.js';
