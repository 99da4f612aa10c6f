/** Every way decoding text to bytes can fail. Callers branch on `code`. */
export type EncodingErrorCode =
  /** A character outside the encoding's alphabet (for hex: anything but `0-9a-f`). */
  | 'INVALID_CHARACTER'
  /** A length no encoding of whole bytes has (odd hex, base64 not in blocks of four). */
  | 'INVALID_LENGTH'
  /** A second spelling of some bytes: padding missing, misplaced or extra, or unused bits set. */
  | 'NON_CANONICAL';

/** The message names the encoding and the fault, never the text: it may be a secret. */
export class EncodingError extends Error {
  override readonly name = 'EncodingError';
  readonly code: EncodingErrorCode;

  constructor(code: EncodingErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
