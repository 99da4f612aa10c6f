import type { Sodium } from '@vaultroom/shared/crypto';

let loading: Promise<Sodium> | undefined;

/**
 * libsodium, loaded once, on first use: it is the largest part of the app, and only the chat (the
 * E2E protocol) and the security views (the audit log's signed checkpoints) need it. The one
 * place the app imports it. The relay's CSP allows its WebAssembly.
 */
export function loadSodium(): Promise<Sodium> {
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
