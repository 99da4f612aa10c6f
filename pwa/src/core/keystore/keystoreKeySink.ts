/**
 * A passkey's PRF output, as a ceremony on this device yields it, with the credential it belongs
 * to: each passkey has its own output, and the keystore keeps one wrap entry per credential.
 */
export interface KeystoreKey {
  /** base64url, the `id` of the WebAuthn response. */
  readonly credentialId: string;
  /** 32 bytes. Never leaves the browser (DESIGN §4). */
  readonly prfOutput: Uint8Array;
}

/**
 * Where PRF outputs go once a ceremony yields them: the chat's keystore opens with them
 * (`core/keystore/`). Kept in memory only, never stored.
 */
export interface KeystoreKeySink {
  accept(key: KeystoreKey): void;
  /** Forgets every key, e.g. on sign-out. */
  clear(): void;
}

export interface MemoryKeystoreKeySink extends KeystoreKeySink {
  /** Whether a key is held right now (never the key itself). */
  hasKey(): boolean;
  /** Copies of the keys held, newest first, one per credential. */
  keys(): KeystoreKey[];
  /** Forgets one passkey's output, e.g. once it is removed from the account. */
  forget(credentialId: string): void;
}

/**
 * Keeps the outputs seen on this page, one per credential (the latest), so a keystore can open
 * with whichever has a wrap entry and wrap itself for the others. Clearing overwrites them before
 * dropping the references.
 */
export function createMemoryKeystoreKeySink(): MemoryKeystoreKeySink {
  let held: KeystoreKey[] = [];
  const copy = (key: KeystoreKey): KeystoreKey => ({
    credentialId: key.credentialId,
    prfOutput: new Uint8Array(key.prfOutput),
  });
  return {
    accept(next) {
      for (const key of held) if (key.credentialId === next.credentialId) key.prfOutput.fill(0);
      held = [copy(next), ...held.filter((key) => key.credentialId !== next.credentialId)];
    },
    clear() {
      for (const key of held) key.prfOutput.fill(0);
      held = [];
    },
    forget(credentialId) {
      for (const key of held) if (key.credentialId === credentialId) key.prfOutput.fill(0);
      held = held.filter((key) => key.credentialId !== credentialId);
    },
    hasKey: () => held.length > 0,
    keys: () => held.map(copy),
  };
}
