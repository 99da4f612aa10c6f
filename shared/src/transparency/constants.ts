/** Every constant of the audit log's tree and note formats, in one place. */

/** SHA-256 output size: every leaf, node and root hash has this length (RFC 9162 §2.1.1). */
export const HASH_SIZE = 32;

/** Domain separation of leaf hashes, so a leaf can never pass for an inner node (RFC 9162 §2.1.1). */
export const LEAF_HASH_PREFIX = 0x00;

/** Domain separation of inner-node hashes (RFC 9162 §2.1.1). */
export const NODE_HASH_PREFIX = 0x01;

/**
 * Largest tree size and leaf index accepted anywhere: sizes are JavaScript numbers, exact up to
 * 2^53 - 1, far beyond any audit log this relay will hold.
 */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

/** The signature line prefix: em dash U+2014 then a space (c2sp.org/signed-note, Format). */
export const NOTE_SIGNATURE_PREFIX = '\u2014 ';

/** Signature type byte of Ed25519 keys in key IDs and verifier keys (c2sp.org/signed-note). */
export const ED25519_SIGNATURE_TYPE = 0x01;

/** Length of the key ID that precedes every note signature (c2sp.org/signed-note). */
export const KEY_ID_SIZE = 4;

/** Ed25519 sizes (RFC 8032); libsodium's secret key is seed || public key. */
export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SECRET_KEY_SIZE = 64;
export const ED25519_SIGNATURE_SIZE = 64;

/**
 * Largest signed note we parse, in UTF-8 bytes. The spec asks verifiers to accept at least 16
 * signatures, and post-quantum ones reach about 5 kB each: 128 KiB leaves room for that while
 * bounding the work an attacker can make a verifier do.
 */
export const NOTE_MAX_BYTES = 128 * 1024;

/** Most signature lines in one note (the spec requires at least 16; Go's note package allows 100). */
export const NOTE_MAX_SIGNATURES = 100;

/** Most lines in a note's text; a checkpoint needs 3 plus its extension lines. */
export const NOTE_MAX_TEXT_LINES = 256;
