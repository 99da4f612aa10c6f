/**
 * The wire protocol's version and limits, in one place (PROTOCOL.md Part 2). Bump
 * PROTOCOL_VERSION on any change to a frame; a client and relay of different versions refuse
 * each other at `hello` with a coded error instead of misreading frames.
 */
export const PROTOCOL_VERSION = 6;

export const LIMITS = {
  /** Largest frame either side sends: the largest padded message (64 KiB) for a few devices. */
  maxFrameBytes: 512 * 1024,
  /** One envelope: the largest padding bucket plus the ratchet header and tag. */
  maxEnvelopeBytes: 64 * 1024 + 1024,
  /** Devices one send may address (a large group's members' devices). */
  maxRecipients: 256,
  /** Envelope ids one ack may carry. */
  maxAckIds: 1024,
  /** One-time prekeys one upload may carry. */
  maxOneTimePrekeys: 200,
  /** Different first-message handshakes one account may start towards one device per hour. */
  handshakesPerDevicePerHour: 20,
  /** An encoded prekey bundle (§1.4.3) is about 1.5 KiB; this bounds one. */
  maxKeyRecordBytes: 4096,
  maxDeviceNameLength: 64,
  /** Ids the relay hands out are base64url strings of at most this length. */
  maxIdLength: 64,
  /** Client message ids are 16 random bytes. */
  messageIdBytes: 16,
  /** A certificate is 203 bytes and a full device list 892 (§1.15.2–3). */
  maxTrustObjectBytes: 1024,
  /** Devices one signed device list names (§1.15, MAX_ACCOUNT_DEVICES). */
  maxAccountDevices: 8,
  /** A sealed account key is 74 bytes (§1.15.5); room for one later version. */
  maxSealedKeyBytes: 128,
  /** An audit leaf: a key entry carrying a full device list is 1,585 bytes (§3.8). */
  maxAuditLeafBytes: 4096,
  /** A signed checkpoint note (c2sp.org/signed-note), with a few extension lines. */
  maxCheckpointNoteBytes: 2048,
  /** Leaves one `log-leaves` frame carries: 96 of the largest (384 KiB) fit in maxFrameBytes. */
  maxLogLeavesPerFrame: 96,
  /** Prunings one consistency chain steps over (§3.5). */
  maxConsistencyLinks: 64,
  /** A WebAuthn credential id (≤ 1023 bytes) in base64url. */
  maxCredentialIdLength: 1364,
} as const;
