import { attachmentCiphertextLength, attachmentLabels } from '@vaultroom/shared/crypto';
import type { RelayConfig } from '../config/relayConfig.js';
import type { BlobSettings } from './BlobContext.js';

/** An upload not finished a day after it began is deleted (PROTOCOL.md §2.10). */
export const UPLOAD_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** The blob store's limits from the operator's settings. */
export function blobSettingsOf(config: RelayConfig): BlobSettings {
  const maxFileBytes = Math.min(
    config.maxFileMb * 1024 * 1024,
    attachmentLabels.MAX_ATTACHMENT_BYTES,
  );
  return {
    // The setting is in MiB of file, as people think of it; what is uploaded is that file's
    // padded ciphertext (PROTOCOL.md §1.16), a few percent larger.
    maxLength: attachmentCiphertextLength(maxFileBytes),
    quotaBytes: config.blobQuotaMb * 1024 * 1024,
    retentionMs: config.retentionDays * 86_400_000,
    uploadExpiryMs: UPLOAD_EXPIRY_MS,
  };
}
