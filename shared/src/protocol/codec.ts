import { decode, encode } from 'cborg';
import * as v from 'valibot';
import { clientFrame, serverFrame, type ClientFrame, type ServerFrame } from './frames.js';
import { LIMITS } from './limits.js';
import { ProtocolError } from './ProtocolError.js';

/**
 * Strict CBOR (RFC 8949 §4.2 deterministic rules are what cborg writes; on input it refuses
 * indefinite lengths, undefined, NaN, Infinity, big integers and duplicate map keys) so one frame
 * has one encoding and nothing unusual reaches the schema.
 */
const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
} as const;

function decodeWith<S extends v.GenericSchema>(schema: S, bytes: Uint8Array): v.InferOutput<S> {
  if (bytes.byteLength > LIMITS.maxFrameBytes) throw new ProtocolError('FRAME_TOO_LARGE');
  let value: unknown;
  try {
    value = decode(bytes, DECODE_OPTIONS);
  } catch {
    // Includes a stack overflow from absurd nesting: any unreadable frame is just malformed.
    throw new ProtocolError('MALFORMED_FRAME', 'not a well-formed CBOR frame');
  }
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) {
    const path = parsed.issues[0].path?.map((item) => String(item.key)).join('.') ?? '';
    throw new ProtocolError('MALFORMED_FRAME', `invalid frame${path === '' ? '' : ` at ${path}`}`);
  }
  return parsed.output;
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  return decodeWith(clientFrame, bytes);
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return decodeWith(serverFrame, bytes);
}

export function encodeFrame(frame: ClientFrame | ServerFrame): Uint8Array {
  return encode(frame);
}

/** The request id of a frame that failed to decode, when one can be read, for the error reply. */
export function readRequestId(bytes: Uint8Array): number | null {
  try {
    const value: unknown = decode(bytes, DECODE_OPTIONS);
    if (typeof value === 'object' && value !== null && 'id' in value) {
      const id = value.id;
      if (typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= 0xffff_ffff) return id;
    }
  } catch {
    // unreadable: no id
  }
  return null;
}
