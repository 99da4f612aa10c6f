import type { Generated, Kysely } from 'kysely';

/** Facts about this installation that outlive a process: schema creation time, instance id. */
export interface RelayMetaTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
}

export interface AccountsTable {
  id: string;
  handle: string;
  /** Lower-case form of `handle`: uniqueness is case-insensitive. */
  handle_key: string;
  display_name: string;
  role: 'admin' | 'member';
  status: 'active' | 'disabled';
  /** The WebAuthn user handle: random bytes, never the account id, so it reveals nothing. */
  webauthn_user_id: Uint8Array;
  created_at: string;
  /** Set when a recovery invite was used and the user has not yet been told. */
  recovery_notice_at: string | null;
}

export interface PasskeysTable {
  /** The credential id (base64url): unique across all accounts. */
  id: string;
  account_id: string;
  public_key: Uint8Array;
  /** Signature counter; updated only by compare-and-swap. */
  counter: number;
  transports: string;
  aaguid: string;
  backup_eligible: number;
  backed_up: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface WebauthnChallengesTable {
  id: string;
  purpose: 'registration' | 'sign-in' | 'add-passkey' | 'step-up';
  challenge: string;
  /** JSON with what the ceremony was started for (handle, invite, account). */
  context: string;
  expires_at: number;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 of the token; the token itself exists only in the browser's cookie. */
  token_hash: string;
  account_id: string;
  passkey_id: string | null;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  /** Epoch milliseconds after which the session is over whatever its activity. */
  absolute_expires_at: number;
  ended_at: string | null;
  end_reason: string | null;
  /** The device this browser registered, once it has; revoking the device ends the session. */
  device_id: Generated<string | null>;
  /**
   * Epoch milliseconds of the last user verification with a passkey (sign-in, registration or a
   * step-up assertion); actions that change passkeys or devices need it recent (§2.9).
   */
  verified_at: Generated<number | null>;
}

export interface InvitesTable {
  id: string;
  token_hash: string;
  kind: 'register' | 'recovery';
  role: 'admin' | 'member';
  /** For recovery invites, the account it lets back in. */
  account_id: string | null;
  created_by: string | null;
  max_uses: number;
  uses: number;
  created_at: string;
  expires_at: number;
  revoked_at: string | null;
}

/** One security event; `seq` is its 1-based position in the Merkle tree. */
export interface AuditEventsTable {
  seq: number;
  at: string;
  type: string;
  outcome: 'success' | 'failure';
  actor_account_id: string | null;
  actor_device_id: string | null;
  target: string | null;
  client: string | null;
  user_agent: string | null;
  details: string;
  /** RFC 9162 leaf hash of the event's canonical encoding: a cache, recomputed by verify. */
  leaf_hash: Uint8Array;
}

/** Hash of the complete subtree of 2^level leaves starting at leaf idx * 2^level (level >= 1). */
export interface AuditNodesTable {
  level: number;
  idx: number;
  hash: Uint8Array;
}

/** A consistency proof kept by a pruning: from a signed size to the pruned size after it. */
export interface AuditLinksTable {
  from_size: number;
  to_size: number;
  /** The proof's hashes, concatenated (32 bytes each). */
  proof: Uint8Array;
}

export interface AuditCheckpointsTable {
  tree_size: number;
  /** The signed checkpoint note, exactly as signed. */
  note: string;
  created_at: string;
}

/**
 * One pruning of the audit log: events 1..tree_size were deleted. `edge` keeps what the tree still
 * needs of them, and a signed checkpoint (at `checkpoint_size`) records the pruning itself.
 */
/** Where a public key object is in the audit log (PROTOCOL.md §3.8). */
export interface KeyEntriesTable {
  /** SHA-256 of the object's bytes. */
  object_hash: Uint8Array;
  account_id: string;
  /** The audit event (leaf seq − 1) that logged it. */
  seq: number;
}

export interface AuditPruningTable {
  /** The pruned size P: events 1..P are gone, the tree goes on from here. */
  tree_size: number;
  /** When the pruning ran (ISO time); part of the signed record. */
  pruned_at: string;
  /** The cut asked for (ISO time): events older than it were eligible. */
  before: string;
  /**
   * The complete-subtree hashes covering leaves [0, P), largest subtree first (RFC 9162 §2.1.1),
   * concatenated: 32 bytes per set bit of P.
   */
  edge: Uint8Array;
  /** The size of the signed checkpoint whose extension line records this pruning. */
  checkpoint_size: number;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  name: string;
  /** Ed25519 identity key: unique, a device identity is never registered twice. */
  signing_key: Uint8Array;
  dh_key: Uint8Array;
  dh_signature: Uint8Array;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
  /**
   * The passkey credential of the session that registered the device: a hello from another
   * session needs the device in the account's signed list (§2.9). Null for devices registered
   * before it was recorded with no session left to tell.
   */
  registered_with_credential: Generated<string | null>;
}

/** An account's trust objects (§2.9): opaque to the relay beyond the checks it makes. */
export interface AccountTrustTable {
  account_id: string;
  /** The Ed25519 account key (32 bytes). */
  account_key: Uint8Array;
  /** The newest signed device list (§1.15.3), as published. */
  device_list: Uint8Array;
  list_version: number;
  updated_at: number;
}

/** The certificate of each device the account's current list names (§1.15.2). */
export interface DeviceCertificatesTable {
  device_id: string;
  account_id: string;
  certificate: Uint8Array;
  /** deviceCertificateHash(certificate): how the list names it. */
  certificate_hash: Uint8Array;
  stored_at: number;
}

/** The account key sealed under one passkey's PRF output (§1.15.5); goes with the passkey. */
export interface SealedAccountKeysTable {
  credential_id: string;
  account_id: string;
  sealed: Uint8Array;
  stored_at: number;
}

export interface SignedPrekeysTable {
  device_id: string;
  prekey_id: number;
  public_key: Uint8Array;
  signature: Uint8Array;
  /** The owner's signed creation time (ms); senders refuse keys too old (PROTOCOL.md §1.4.4). */
  created_at: number;
  uploaded_at: number;
}

export interface OneTimePrekeysTable {
  device_id: string;
  prekey_id: number;
  public_key: Uint8Array;
}

export interface EnvelopesTable {
  seq: Generated<number>;
  id: string;
  recipient_device_id: string;
  sender_device_id: string;
  msg_id: Uint8Array;
  /** Ciphertext of the end-to-end protocol: the relay cannot read it. */
  body: Uint8Array;
  accepted_at: number;
  expires_at: number;
}

/** The relay's tables, one interface each; feature migrations add theirs here. */
/** A device's Web Push subscription; see migration 0009. */
export interface PushSubscriptionsTable {
  device_id: string;
  account_id: string;
  /** The session that registered it: the subscription ends with that session. */
  session_id: string;
  /** The push service URL (RFC 8030), checked against the endpoint rules when registered. */
  endpoint: string;
  /** The browser's P-256 public key and auth secret (RFC 8291), base64url. */
  p256dh: string;
  auth: string;
  /** 1: the push may carry the sender's handle; 0: a count only. */
  show_sender: number;
  created_at: number;
}

/** A file blob's upload state and lifetime; the bytes are in `<data>/blobs/<id>` (migration 0011). */
export interface BlobsTable {
  /** 32 random bytes, base64url: a capability, never logged. */
  id: string;
  /** The uploader: only it may append or delete; its quota counts `length`. */
  account_id: string;
  /** Upload-Length: the whole ciphertext's size, fixed at creation. */
  length: number;
  /** Bytes written and fsync'd: where the next PATCH must start. */
  offset: number;
  created_at: number;
  /** Null while the upload is unfinished; downloads see only finished blobs. */
  completed_at: number | null;
  /** An unfinished upload expires a day after creation, a finished blob after the retention. */
  expires_at: number;
}

export interface RelayDatabase {
  relay_meta: RelayMetaTable;
  accounts: AccountsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  audit_events: AuditEventsTable;
  audit_nodes: AuditNodesTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_pruning: AuditPruningTable;
  audit_links: AuditLinksTable;
  key_entries: KeyEntriesTable;
  devices: DevicesTable;
  signed_prekeys: SignedPrekeysTable;
  pq_prekeys: SignedPrekeysTable;
  one_time_prekeys: OneTimePrekeysTable;
  envelopes: EnvelopesTable;
  push_subscriptions: PushSubscriptionsTable;
  blobs: BlobsTable;
  account_trust: AccountTrustTable;
  device_certificates: DeviceCertificatesTable;
  sealed_account_keys: SealedAccountKeysTable;
}

/** The relay's Kysely instance, for reads (writes go through a WriteStore), named for folders that build no queries. */
export type RelayDb = Kysely<RelayDatabase>;
