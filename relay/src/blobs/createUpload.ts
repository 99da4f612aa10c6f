import { randomBytes } from 'node:crypto';
import { BLOB_API } from '@vaultroom/shared';
import { ApiError } from '../api/ApiError.js';
import type { BlobContext } from './BlobContext.js';
import { createBlob } from './blobRecords.js';

export interface CreateRequest {
  readonly accountId: string;
  readonly uploadLength: string;
  readonly uploadMetadata: string;
  readonly deferLength: string;
}

/**
 * tus creation (tus 1.0.0 §6.2): reserves Upload-Length bytes of the account's quota and names
 * the upload with 32 random bytes. Upload-Metadata is refused, not ignored: the relay must never
 * receive a file name or type, and a client that sends one has a bug worth hearing about.
 */
export async function createUpload(ctx: BlobContext, request: CreateRequest): Promise<string> {
  if (request.deferLength !== '') {
    throw new ApiError('BAD_REQUEST', 'Upload-Defer-Length is not supported: send Upload-Length');
  }
  if (request.uploadMetadata.trim() !== '') {
    throw new ApiError('BAD_REQUEST', 'The relay stores no upload metadata: leave it out');
  }
  if (!/^\d{1,16}$/.test(request.uploadLength) || Number(request.uploadLength) === 0) {
    throw new ApiError('BAD_REQUEST', 'Upload-Length must be a whole number above zero');
  }
  const length = Number(request.uploadLength);
  if (length > ctx.settings.maxLength) {
    throw new ApiError('FILE_TOO_LARGE', `Files are limited to ${ctx.settings.maxLength} bytes`);
  }
  const id = randomBytes(32).toString('base64url');
  const now = ctx.now();
  await createBlob(
    ctx.writes,
    {
      id,
      accountId: request.accountId,
      length,
      now,
      expiresAt: now + ctx.settings.uploadExpiryMs,
    },
    ctx.settings.quotaBytes,
  );
  return BLOB_API.blob(id);
}
