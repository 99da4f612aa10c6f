import sodium from 'libsodium-wrappers';

/** libsodium as the relay uses it: the wrappers' API, once its WebAssembly is ready. */
export type Sodium = typeof sodium;

/**
 * The relay's one way to libsodium (ESLint keeps it so): every caller waits for the same
 * initialisation, and swapping the build (a native one, say) touches this file alone.
 */
export async function loadSodium(): Promise<Sodium> {
  await sodium.ready;
  return sodium;
}
