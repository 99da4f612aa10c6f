import { CryptoError } from './CryptoError.js';
import { E2E_VERSION } from './labels.js';

// Both runtimes (browsers, Node) have the WHATWG encoders; shared/ compiles without DOM or Node
// types, so declare just what we use.
declare const TextEncoder: new () => { encode(input: string): Uint8Array };
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean },
) => { decode(input: Uint8Array): string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a label or string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding: invalid sequences are MALFORMED rather than replaced. */
export function fromUtf8(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new CryptoError('MALFORMED', `${what} is not valid UTF-8`);
  }
}

/** Concatenation of byte strings (PROTOCOL.md §1.2 "||"). */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time equality for equal-length inputs; false for different lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Lower-case hex, used for map keys and test vectors (never in error messages). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Big-endian writer for the fixed layouts of PROTOCOL.md. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  u8(value: number): this {
    this.parts.push(Uint8Array.of(value & 0xff));
    return this;
  }

  u16(value: number): this {
    const out = new Uint8Array(2);
    new DataView(out.buffer).setUint16(0, value);
    this.parts.push(out);
    return this;
  }

  u32(value: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value);
    this.parts.push(out);
    return this;
  }

  /** u64 for millisecond timestamps; values stay within Number.MAX_SAFE_INTEGER. */
  u64(value: number): this {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(value));
    this.parts.push(out);
    return this;
  }

  bytes(value: Uint8Array): this {
    this.parts.push(value);
    return this;
  }

  /** u16 length prefix then the bytes. */
  vec16(value: Uint8Array): this {
    return this.u16(value.length).bytes(value);
  }

  /** u32 length prefix then the bytes. */
  vec32(value: Uint8Array): this {
    return this.u32(value.length).bytes(value);
  }

  finish(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

/** Big-endian reader; every overrun or leftover byte is MALFORMED. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(length: number): void {
    if (this.remaining < length) throw new CryptoError('MALFORMED', `${this.what} is truncated`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): number {
    this.need(8);
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CryptoError('MALFORMED', `${this.what} has an out-of-range timestamp`);
    }
    return Number(value);
  }

  /** A copy, so callers may keep it after the input buffer is reused. */
  bytes(length: number): Uint8Array {
    this.need(length);
    const out = this.data.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  vec16(): Uint8Array {
    return this.bytes(this.u16());
  }

  vec32(): Uint8Array {
    return this.bytes(this.u32());
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A flag byte: exactly 0 or 1. */
  flag(): boolean {
    const value = this.u8();
    if (value > 1) throw new CryptoError('MALFORMED', `${this.what} has a non-boolean flag`);
    return value === 1;
  }

  /** Version byte then record/message type byte, both checked. */
  header(expectedType: number): void {
    const version = this.u8();
    if (version !== E2E_VERSION) {
      throw new CryptoError(
        'UNSUPPORTED_VERSION',
        `${this.what} has version ${version}, expected ${E2E_VERSION}`,
      );
    }
    const type = this.u8();
    if (type !== expectedType) {
      throw new CryptoError('MALFORMED', `${this.what} has type ${type}, expected ${expectedType}`);
    }
  }

  end(): void {
    if (this.remaining !== 0) throw new CryptoError('MALFORMED', `${this.what} has trailing bytes`);
  }
}
