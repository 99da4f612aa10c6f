/** Every way an E2E operation can refuse. Wire- and log-safe: a code never carries key material. */
export type CryptoErrorCode =
  | 'BAD_SIGNATURE'
  | 'LOW_ORDER_KEY'
  | 'MAX_SKIP_EXCEEDED'
  | 'REPLAY'
  | 'DECRYPT_FAILED'
  | 'UNSUPPORTED_VERSION'
  | 'MALFORMED'
  | 'UNKNOWN_PREKEY'
  /** §1.4.4 A bundle's signed or X-Wing prekey is older than rotation plus grace, or from the future. */
  | 'STALE_PREKEY'
  | 'NO_SESSION'
  | 'NO_SENDER_KEY'
  | 'COUNTER_EXHAUSTED'
  | 'PAYLOAD_TOO_LARGE'
  /** §1.15 A device list or certificate made for another account than the one asked for. */
  | 'WRONG_ACCOUNT'
  /** §1.15.3 A device list whose version is not above one already seen (rollback). */
  | 'STALE_DEVICE_LIST'
  /** §1.16 An attachment's ciphertext ended before its final chunk. */
  | 'TRUNCATED'
  /** §1.16 Bytes after an attachment's final chunk, or a final chunk before the end. */
  | 'TRAILING_DATA'
  /** §1.16 An attachment's ciphertext is not the one its pointer names. */
  | 'HASH_MISMATCH';

/**
 * The one error class of `@vaultroom/shared/crypto`. Messages are fixed, human-readable
 * descriptions of what was checked; they never contain keys, plaintext or ciphertext.
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** True when `error` is a CryptoError with the given code (for callers mapping codes to UI). */
export function isCryptoError(error: unknown, code?: CryptoErrorCode): error is CryptoError {
  return error instanceof CryptoError && (code === undefined || error.code === code);
}
