import { LIMITS } from './limits.js';

/** The fields of one envelope in a `deliver` frame that vary in size. */
export interface DeliverEnvelopeSize {
  readonly id: string;
  readonly from: string;
  readonly msg: Uint8Array;
  readonly body: Uint8Array;
}

/**
 * CBOR bytes of a `deliver` frame besides its envelopes: the two-entry map, its keys, `"deliver"`
 * and the array header (at most 5 bytes for any array length below 2³²). 26 in fact.
 */
const FRAME_OVERHEAD_BYTES = 32;
/**
 * CBOR bytes of one envelope besides its id, sender, message id and body contents: the map
 * header, the five keys (20 bytes), the headers of the two strings (2 each), the message id's
 * (1) and the body's (at most 5) and the `at` integer (at most 9). 40 in fact.
 */
const ENVELOPE_OVERHEAD_BYTES = 48;

/**
 * An upper bound on the bytes one envelope adds to an encoded `deliver` frame. Ids are counted
 * at three bytes a character, which holds for any string the schema allows (the relay's are
 * base64url, one byte a character).
 */
export function deliverEnvelopeBytes(envelope: DeliverEnvelopeSize): number {
  return (
    ENVELOPE_OVERHEAD_BYTES +
    3 * (envelope.id.length + envelope.from.length) +
    envelope.msg.byteLength +
    envelope.body.byteLength
  );
}

/**
 * How many of `envelopes`, from the first, one `deliver` frame can carry without passing the
 * frame size limit that every decoder enforces (PROTOCOL.md §2.3). One envelope of the largest
 * size always fits alone (the limits are chosen so, and a test holds them to it), so a backlog is
 * never stuck behind a frame nobody can read.
 */
export function fitDeliverBatch(
  envelopes: readonly DeliverEnvelopeSize[],
  maxBytes: number = LIMITS.maxFrameBytes,
): number {
  let total = FRAME_OVERHEAD_BYTES;
  let count = 0;
  for (const envelope of envelopes) {
    total += deliverEnvelopeBytes(envelope);
    if (total > maxBytes) break;
    count += 1;
  }
  return count;
}
