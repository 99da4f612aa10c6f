import type { SealedStore } from '../chat/SealedStore.js';
import type { KeystoreKey } from './keystoreKeySink.js';

/**
 * How this device's chat records are sealed at rest:
 * - `passkey`: under a random storage secret that only a passkey's PRF output unwraps; the
 *   database holds wrap entries, never the secret or a key derived from it;
 * - `device`: under non-extractable WebCrypto keys stored beside the records, where no passkey
 *   gave a PRF output. Script on this origin can use them, so a copy of the whole browser
 *   profile opens the records.
 */
export type KeystoreProtection = 'passkey' | 'device';

/** An account's chat store, open. */
export interface ChatKeystore {
  readonly store: SealedStore;
  readonly protection: KeystoreProtection;
  /** Adds a wrap entry for each key that has none yet (passkey protection only). */
  addPasskeys(keys: readonly KeystoreKey[]): Promise<void>;
  /** Closes the database and overwrites the storage secret held in memory. */
  close(): void;
}

export type KeystoreOpening =
  | { readonly kind: 'open'; readonly keystore: ChatKeystore }
  | {
      readonly kind: 'locked';
      /** The passkeys that can open it: those with a wrap entry. */
      readonly credentialIds: readonly string[];
      /** Keys were offered, and none of them had a wrap entry that opened. */
      readonly refused: boolean;
    };

/** What removing a passkey did to the wrap entries on this device. */
export type ForgetPasskeyOutcome = 'removed' | 'absent' | 'last';
