import type sodium from 'libsodium-wrappers';

/** Returns the leaf hash (hashLeaf of the entry) at `index`; the relay backs this with storage. */
export type LeafHashGetter = (index: number) => Uint8Array;

/**
 * Optionally returns the stored hash of the perfect subtree of height `level` (2^level leaves)
 * starting at leaf `index * 2^level`, or undefined if it is not stored. Lets proof generation
 * skip rehashing whole subtrees.
 */
export type SubtreeHashGetter = (level: number, index: number) => Uint8Array | undefined;

/** Where proof and root computations read hashes from. */
export interface TreeHashSource {
  readonly leafHash: LeafHashGetter;
  readonly subtreeHash?: SubtreeHashGetter;
}

/** The parts of libsodium that notes use; the caller awaits `sodium.ready` before passing it. */
export type Ed25519Api = Pick<
  typeof sodium,
  'crypto_sign_detached' | 'crypto_sign_verify_detached'
>;

/** A tree head as a checkpoint states it (c2sp.org/tlog-checkpoint). */
export interface Checkpoint {
  /** Identifies the log; must be non-empty. */
  readonly origin: string;
  /** Number of leaves. */
  readonly size: number;
  /** RFC 9162 root hash of the first `size` leaves. */
  readonly rootHash: Uint8Array;
  /** Opaque extension lines, each non-empty. */
  readonly extensions: readonly string[];
}

/** One signature line of a signed note. */
export interface NoteSignature {
  readonly name: string;
  /** Big-endian uint32 from the first four signature bytes. */
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

/** A signed note split into its text and signature lines, not yet verified. */
export interface SignedNote {
  /** The note text, including its final newline. */
  readonly body: string;
  readonly signatures: readonly NoteSignature[];
}

/** An Ed25519 key that signs notes. `secretKey` is libsodium's 64-byte secret key. */
export interface NoteSigner {
  readonly name: string;
  readonly secretKey: Uint8Array;
}

/** A trusted Ed25519 note key, as parsed from a verifier key string. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

/** A note whose signatures were checked. */
export interface VerifiedNote {
  readonly body: string;
  /** Signatures that verified with a trusted key (at least one). */
  readonly verified: readonly NoteSignature[];
  /** Signatures from keys the caller does not know, ignored as the spec requires. */
  readonly unverified: readonly NoteSignature[];
}
