import type { Ed25519Api } from '@vaultroom/shared/transparency';

let loading: Promise<Ed25519Api> | undefined;

/**
 * libsodium, loaded on first use only: it is large, and only the security views need it (to
 * verify the audit log's signed checkpoints). The relay's CSP allows its WebAssembly.
 */
export function loadSodium(): Promise<Ed25519Api> {
  loading ??= import('libsodium-wrappers').then(async ({ default: sodium }) => {
    await sodium.ready;
    return sodium;
  });
  // A failed load (offline, say) is tried again next time rather than remembered.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
