import { decodeBase64Url, encodeBase64Url } from '@vaultroom/shared';

/*
 * The share inbox's encryption (SECURITY.md, "Files shared from another app"): the service worker
 * encrypts each shared file to the inbox's public key as it arrives, so that what the browser
 * keeps while the chat is locked is ciphertext; the page decrypts with the private key, which is
 * kept only inside the sealed chat store.
 *
 * WebCrypto only, since it runs in the service worker too, where libsodium is not loaded:
 * - ECDH P-256 between a fresh key pair per file and the inbox key; HKDF-SHA-256 over the shared
 *   secret, salted with both public keys, gives an AES-256-GCM key used for this file alone;
 * - the file's name, type and size, sealed under nonce (0, 0, last);
 * - its bytes in chunks of SHARE_CHUNK_BYTES, chunk i sealed under nonce (1, i, i is the last):
 *   a chunk dropped, repeated, moved or cut, or a stream cut at a chunk boundary, fails to open.
 * A nonce is 12 bytes: u8 kind ‖ u8 0 ‖ u16 0 ‖ u32 index ‖ u8 0 ‖ u8 0 ‖ u8 0 ‖ u8 last.
 */

/** Plaintext bytes per sealed chunk; every chunk but the last holds exactly this. */
export const SHARE_CHUNK_BYTES = 65536;
const TAG_BYTES = 16;
const KDF_INFO = new TextEncoder().encode('VaultRoom/share-inbox/v1');
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const NONCE_META = 0;
const NONCE_CHUNK = 1;

/** The inbox key the page publishes for the service worker: public, safe to keep anywhere. */
export interface ShareInboxPublicKey {
  /** Random id, to tell which key a stored share needs. */
  readonly keyId: string;
  /** Uncompressed P-256 point (65 bytes). */
  readonly publicKey: Uint8Array;
}

/** What one shared file is stored as, besides its sealed chunks. */
export interface SealedShareHeader {
  readonly keyId: string;
  /** The file's one-time public key, raw. */
  readonly ephemeral: Uint8Array;
  /** Name, type and size, sealed. */
  readonly meta: Uint8Array;
}

interface ShareMeta {
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

/** A shared file that does not open: not for this key, altered or cut. */
export class ShareInboxError extends Error {
  constructor(
    readonly code: 'OTHER_KEY' | 'DAMAGED',
    message: string,
  ) {
    super(message);
    this.name = 'ShareInboxError';
  }
}

function nonce(kind: number, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, kind);
  view.setUint32(4, index);
  view.setUint8(11, last ? 1 : 0);
  return bytes;
}

const copy = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** Chunks of a file of `size` bytes: at least one, so an empty file has its last chunk too. */
export const shareChunkCount = (size: number): number =>
  Math.max(1, Math.ceil(size / SHARE_CHUNK_BYTES));

async function fileKey(
  privateKey: CryptoKey,
  peerPublic: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
): Promise<CryptoKey> {
  const peer = await crypto.subtle.importKey('raw', copy(peerPublic), ECDH, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, privateKey, 256);
  const base = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const salt = new Uint8Array(ephemeral.length + recipient.length);
  salt.set(ephemeral, 0);
  salt.set(recipient, ephemeral.length);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: KDF_INFO },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** A new inbox key pair (in the page); the private key is extractable only to be sealed. */
export async function createShareInboxKeyPair(): Promise<{
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}> {
  const pair = await crypto.subtle.generateKey(ECDH, true, ['deriveBits']);
  return {
    publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
    privateKey: new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey)),
  };
}

/**
 * Encrypts `file` to the inbox key (in the service worker): the header to store beside it, and
 * its ciphertext as a stream read one chunk at a time, so a large file is never held whole.
 */
export async function sealSharedFile(
  inbox: ShareInboxPublicKey,
  file: Blob & { readonly name: string },
): Promise<{ readonly header: SealedShareHeader; readonly body: ReadableStream<Uint8Array> }> {
  const pair = await crypto.subtle.generateKey(ECDH, true, ['deriveBits']);
  const ephemeral = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const key = await fileKey(pair.privateKey, inbox.publicKey, ephemeral, inbox.publicKey);
  const meta: ShareMeta = { name: file.name, type: file.type, size: file.size };
  const sealedMeta = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce(NONCE_META, 0, true) },
    key,
    new TextEncoder().encode(JSON.stringify(meta)),
  );
  const count = shareChunkCount(file.size);
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const start = index * SHARE_CHUNK_BYTES;
      const plain = await file.slice(start, start + SHARE_CHUNK_BYTES).arrayBuffer();
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonce(NONCE_CHUNK, index, index === count - 1) },
        key,
        plain,
      );
      controller.enqueue(new Uint8Array(sealed));
      index += 1;
      if (index === count) controller.close();
    },
  });
  return {
    header: { keyId: inbox.keyId, ephemeral, meta: new Uint8Array(sealedMeta) },
    body,
  };
}

function readMeta(bytes: ArrayBuffer): ShareMeta {
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  const { name, type, size } = (value ?? {}) as Partial<Record<keyof ShareMeta, unknown>>;
  if (
    typeof name !== 'string' ||
    typeof type !== 'string' ||
    typeof size !== 'number' ||
    !Number.isSafeInteger(size) ||
    size < 0
  ) {
    throw new ShareInboxError('DAMAGED', 'a shared file’s details are malformed');
  }
  return { name, type, size };
}

async function openOrDamaged(key: CryptoKey, iv: Uint8Array<ArrayBuffer>, data: ArrayBuffer) {
  try {
    return await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, data);
  } catch {
    throw new ShareInboxError('DAMAGED', 'a shared file was altered or cut');
  }
}

/**
 * Decrypts a stored share (in the page) with the inbox's private key (pkcs8) into a File, chunk
 * by chunk from `ciphertext` (a Blob the browser may keep on disk). Refuses another key's share,
 * and any alteration, reordering or truncation.
 */
export async function openSharedFile(
  inbox: {
    readonly keyId: string;
    readonly publicKey: Uint8Array;
    readonly privateKey: Uint8Array;
  },
  header: SealedShareHeader,
  ciphertext: Blob,
): Promise<File> {
  if (header.keyId !== inbox.keyId) {
    throw new ShareInboxError('OTHER_KEY', 'this share was made for another inbox key');
  }
  const privateKey = await crypto.subtle.importKey('pkcs8', copy(inbox.privateKey), ECDH, false, [
    'deriveBits',
  ]);
  const key = await fileKey(privateKey, header.ephemeral, header.ephemeral, inbox.publicKey);
  const meta = readMeta(
    await openOrDamaged(key, nonce(NONCE_META, 0, true), copy(header.meta).buffer),
  );
  const count = shareChunkCount(meta.size);
  const sealedChunk = SHARE_CHUNK_BYTES + TAG_BYTES;
  const lastPlain = meta.size - (count - 1) * SHARE_CHUNK_BYTES;
  if (ciphertext.size !== (count - 1) * sealedChunk + lastPlain + TAG_BYTES) {
    throw new ShareInboxError('DAMAGED', 'a shared file was cut or extended');
  }
  const parts: ArrayBuffer[] = [];
  for (let index = 0; index < count; index++) {
    const start = index * sealedChunk;
    const sealed = await ciphertext.slice(start, start + sealedChunk).arrayBuffer();
    parts.push(await openOrDamaged(key, nonce(NONCE_CHUNK, index, index === count - 1), sealed));
  }
  return new File(parts, meta.name, { type: meta.type });
}

/** The header as HTTP header values (base64url), to keep it on the cached response. */
export function headerToFields(header: SealedShareHeader): Record<string, string> {
  return {
    'X-Share-Key': header.keyId,
    'X-Share-Ephemeral': encodeBase64Url(header.ephemeral),
    'X-Share-Meta': encodeBase64Url(header.meta),
  };
}

export function headerFromFields(headers: Headers): SealedShareHeader {
  const keyId = headers.get('X-Share-Key');
  const ephemeral = headers.get('X-Share-Ephemeral');
  const meta = headers.get('X-Share-Meta');
  if (keyId === null || ephemeral === null || meta === null) {
    throw new ShareInboxError('DAMAGED', 'a shared file has no header');
  }
  return { keyId, ephemeral: decodeBase64Url(ephemeral), meta: decodeBase64Url(meta) };
}
