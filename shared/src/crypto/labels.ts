/**
 * Every label, version byte, size and limit of the end-to-end protocol, in one place.
 * `shared/PROTOCOL.md` (Part 1) is the normative text; each constant names its section there.
 */

/** §1.2 Version byte that starts every E2E wire structure and every serialised record. */
export const E2E_VERSION = 1;

/** §1.3 Domain-separation labels (ASCII). Each is fed to BLAKE2b or Ed25519 length-prefixed. */
export const LABELS = {
  /** §1.4 Prefix of every prekey signature (identity DH key, signed prekey, X-Wing prekey). */
  prekeySignature: 'VaultRoom/e2e/v1/prekey-signature',
  /** §1.5 Handshake KDF: DH1..DH4, X-Wing secret and transcript → root key. */
  handshake: 'VaultRoom/e2e/v1/handshake',
  /** §1.5.5 Handshake id: hash of the whole prekey-message prefix. */
  handshakeId: 'VaultRoom/e2e/v1/handshake-id',
  /** §1.6 KDF_RK of the Double Ratchet. */
  rootStep: 'VaultRoom/e2e/v1/root-step',
  /** §1.6 KDF_CK of the Double Ratchet: one BLAKE2b-512 call gives next chain key and message key. */
  chainStep: 'VaultRoom/e2e/v1/chain-step',
  /** §1.6 Prefix of the AEAD associated data of a pairwise message. */
  messageAd: 'VaultRoom/e2e/v1/message-ad',
  /** §1.9 Sender-key chain step (same construction as chainStep, own domain). */
  senderChainStep: 'VaultRoom/e2e/v1/sender-chain-step',
  /** §1.9 Prefix of the AEAD associated data of a group message. */
  groupAd: 'VaultRoom/e2e/v1/group-ad',
  /** §1.9 Prefix of the Ed25519 signature over a group message. */
  groupSignature: 'VaultRoom/e2e/v1/group-signature',
  /** §1.10 Safety-number fingerprint iteration. */
  safetyNumber: 'VaultRoom/e2e/v1/safety-number',
  /** §1.15.2 Prefix of the account key's signature over a device certificate. */
  deviceCertificate: 'VaultRoom/e2e/v1/device-certificate',
  /** §1.15.2 Hash of a whole device certificate, as a device list names it. */
  deviceCertificateHash: 'VaultRoom/e2e/v1/device-certificate-hash',
  /** §1.15.3 Prefix of the account key's signature over a device list. */
  deviceList: 'VaultRoom/e2e/v1/device-list',
  /** §1.15.4 Account safety-number fingerprint iteration (supersedes safetyNumber). */
  accountSafetyNumber: 'VaultRoom/e2e/v1/account-safety-number',
  /** §1.15.5 Key that seals the account key under one passkey's PRF output; also its AD prefix. */
  accountKeySeal: 'VaultRoom/e2e/v1/account-key-seal',
  /** §1.15.7 Iterated hash of a link offer that gives the code a person types. */
  linkCode: 'VaultRoom/e2e/v1/link-code',
  /** §1.12 Known-answer-test random source (never used for real keys). */
  seededRandom: 'VaultRoom/e2e/v1/seeded-random',
} as const;

/** §1.4 Key-type byte inside a prekey signature. */
export const KEY_TYPE = {
  identityDh: 0x01,
  // 0x02, 0x03: undated prekeys of the 0x14 bundle, retired; their signatures never verify now.
  signedPrekey: 0x04,
  pqPrekey: 0x05,
} as const;

/** §1.7 Message-type byte, second byte of every pairwise message. */
export const MESSAGE_TYPE = {
  prekey: 0x01,
  ratchet: 0x02,
} as const;

/** §1.11 Record-type byte, second byte of every serialised record. */
export const RECORD_TYPE = {
  identity: 0x10,
  signedPrekey: 0x11,
  oneTimePrekey: 0x12,
  pqPrekey: 0x13,
  session: 0x15,
  senderKey: 0x16,
  senderKeyDistribution: 0x17,
  groupMessage: 0x18,
  content: 0x19,
  deviceCertificate: 0x1a,
  deviceList: 0x1b,
  sealedAccountKey: 0x1c,
  linkOffer: 0x1d,
  // 0x1e is the attachment pointer (§1.16.3); 0x14, the undated bundle, is no longer accepted.
  datedBundle: 0x20,
} as const;

/** §1.2 Primitive sizes in bytes. */
export const SIZES = {
  x25519: 32,
  ed25519PublicKey: 32,
  ed25519SecretKey: 64,
  ed25519Seed: 32,
  signature: 64,
  xwingPublicKey: 1216,
  xwingSecretKey: 32,
  xwingCiphertext: 1120,
  xwingEncapsSeed: 64,
  xwingSharedSecret: 32,
  key: 32,
  nonce: 24,
  tag: 16,
  groupId: 16,
  messageId: 16,
} as const;

/** §1.6 Limits on skipped message keys (justified in PROTOCOL.md §1.6.4). */
export const MAX_SKIP = 1000;
/** §1.6 Total skipped keys stored per session; oldest evicted first. */
export const MAX_SKIPPED_KEYS = 2000;
/** §1.6 Past receiving ratchet keys remembered so replays of old chains are named REPLAY. */
export const MAX_PREVIOUS_RATCHET_KEYS = 32;
/** §1.6 Counters are u32 on the wire; a chain is never allowed to wrap. */
export const MAX_COUNTER = 0xffff_ffff;

/** §1.9 Sender-key limits: same per-chain bound, smaller store (one chain per sender). */
export const GROUP_MAX_SKIP = 1000;
export const GROUP_MAX_SKIPPED_KEYS = 1000;

/** §1.8 Padding buckets: the padded plaintext is the smallest bucket ≥ content + 1. */
export const PADDING_BUCKETS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;
/** §1.8 Largest padded plaintext; content must be ≤ this − 1 bytes. */
export const MAX_PADDED_LENGTH = 65536;

/** §1.4 Prekey schedule. */
export const SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 60 * 60 * 1000;
export const SIGNED_PREKEY_GRACE_MS = 30 * 24 * 60 * 60 * 1000;
export const ONE_TIME_PREKEY_BATCH = 100;
export const ONE_TIME_PREKEY_LOW_WATER = 20;
/**
 * §1.4.4 The oldest signed or X-Wing prekey a sender still uses: rotation plus grace. A device
 * that has not connected for longer can no longer receive first messages, and a relay cannot
 * keep serving a bundle whose secret keys its owner has deleted (or lost to a thief since).
 */
export const MAX_PREKEY_AGE_MS = SIGNED_PREKEY_ROTATION_MS + SIGNED_PREKEY_GRACE_MS;
/** §1.4.4 How far in the future a prekey's creation time may lie (the owner's clock runs fast). */
export const MAX_PREKEY_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** §1.10 Safety numbers. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
export const SAFETY_NUMBER_VERSION = 0;
export const SAFETY_NUMBER_QR_VERSION = 1;

/** §1.15.4 Account safety numbers (from account keys, not device keys). */
export const ACCOUNT_SAFETY_NUMBER_VERSION = 1;
/** §1.15.4 First byte of the account safety-number QR payload; 1 is the superseded §1.10 payload. */
export const ACCOUNT_SAFETY_NUMBER_QR_VERSION = 2;

/**
 * §1.15 Most devices one signed device list names. LIMITS.maxRecipients (256) over MAX_GROUP_MEMBERS
 * (32): a full group's fan-out to members with this many devices each still fits one send.
 */
export const MAX_ACCOUNT_DEVICES = 8;
/** Device ids are the relay's base64url ids (PROTOCOL.md §2.3 maxIdLength). */
export const MAX_DEVICE_ID_BYTES = 64;
/** Handles are at most 32 ASCII characters (HANDLE_PATTERN of the accounts API). */
export const MAX_HANDLE_BYTES = 32;
/** Account ids (relay-assigned, base64url) bound into a sealed account key. */
export const MAX_ACCOUNT_ID_BYTES = 64;
/** WebAuthn credential ids are at most 1023 bytes, so at most 1364 base64url characters. */
export const MAX_CREDENTIAL_ID_BYTES = 1364;

/** §1.15.7 Link code: 16 Crockford base32 characters, 80 bits of the offer's iterated hash. */
export const LINK_CODE_LENGTH = 16;
export const LINK_CODE_ITERATIONS = 5200;

/** §1.8 Content envelope. */
export const CONTENT_TYPE = {
  text: 0x01,
  receipt: 0x02,
  typing: 0x03,
  groupKeyDistribution: 0x04,
  control: 0x05,
  timer: 0x06,
  reaction: 0x07,
  reply: 0x08,
  group: 0x09,
  transcript: 0x0a,
  accountKey: 0x0b,
  attachment: 0x0c,
  checkpoint: 0x0d,
} as const;
export const RECEIPT_KIND = { delivered: 0x01, read: 0x02 } as const;
export const TYPING_STATE = { started: 0x01, stopped: 0x02 } as const;
export const CONTROL_KIND = { sessionReset: 0x01, groupLeave: 0x02, groupRemove: 0x03 } as const;
/** §1.8 At most this many message ids in one receipt. */
export const MAX_RECEIPT_IDS = 256;
/** §1.8 Longest reaction (UTF-8 bytes): one emoji with its modifiers and joiners. */
export const MAX_REACTION_BYTES = 32;
/**
 * §1.8.3 Longest checkpoint note in a `checkpoint` content (UTF-8 bytes). The relay's notes
 * are about 200 bytes (origin up to 128, size, root, one signature line); the slack allows one
 * extension line (`pruned`, §3.5).
 */
export const MAX_CHECKPOINT_NOTE_BYTES = 1024;
/** §1.8 Longest group name (UTF-8 bytes). */
export const MAX_GROUP_NAME_BYTES = 64;
/** §1.8 Most members a group lists, the sender included. */
export const MAX_GROUP_MEMBERS = 32;
/** §1.8 Longest member handle (UTF-8 bytes), as the relay allows. */
export const MAX_GROUP_HANDLE_BYTES = 32;
