import { TransparencyError } from './TransparencyError.js';

// Both runtimes (browsers, Node) have the WHATWG encoders; shared/ compiles without DOM or Node
// types, so declare just what we use.
declare const TextEncoder: new () => { encode(input: string): Uint8Array };
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean },
) => { decode(input: Uint8Array): string };

/** Version of the leaf encoding below; part of every leaf, so a change can never go unnoticed. */
export const AUDIT_LEAF_VERSION = 1;

/**
 * An audit event's fields in leaf order (README.md "Leaves"). A tuple, not an object: the relay's
 * verifier streams rows as arrays, and building an object per row costs more than hashing it.
 * `details` is the event's details as JSON text, exactly as stored.
 */
export type AuditLeafFields = readonly [
  seq: number,
  at: string,
  type: string,
  outcome: string,
  actorAccountId: string | null,
  actorDeviceId: string | null,
  target: string | null,
  client: string | null,
  userAgent: string | null,
  details: string,
];

/** The same fields by name, as {@link decodeAuditLeaf} returns them. */
export interface AuditLeaf {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly outcome: string;
  readonly actorAccountId: string | null;
  readonly actorDeviceId: string | null;
  readonly target: string | null;
  readonly client: string | null;
  readonly userAgent: string | null;
  readonly details: string;
}

/**
 * The leaf's JSON text: `[version, ...fields]`. Its UTF-8 bytes are the leaf (JSON.stringify
 * escapes lone surrogates, so the text always encodes). Takes any array that starts with the
 * fields, so a streamed row with more columns after them needs no copy.
 */
export function auditLeafJson(fields: readonly [...AuditLeafFields, ...unknown[]]): string {
  return JSON.stringify([
    AUDIT_LEAF_VERSION,
    fields[0],
    fields[1],
    fields[2],
    fields[3],
    fields[4],
    fields[5],
    fields[6],
    fields[7],
    fields[8],
    fields[9],
  ]);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The canonical bytes of an event: {@link auditLeafJson} in UTF-8. */
export function encodeAuditLeaf(fields: AuditLeafFields): Uint8Array {
  return encoder.encode(auditLeafJson(fields));
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrNull = (value: unknown): value is string | null =>
  value === null || typeof value === 'string';

/**
 * Reads a leaf back into its fields, refusing anything {@link encodeAuditLeaf} cannot have
 * written: bad UTF-8, another version, another length or a field of the wrong type. A client
 * compares these fields with the event it shows, so a relay cannot prove one event and display
 * another.
 */
export function decodeAuditLeaf(leaf: Uint8Array): AuditLeaf {
  let decoded: unknown;
  try {
    decoded = JSON.parse(decoder.decode(leaf));
  } catch {
    throw new TransparencyError('LEAF_MALFORMED', 'the audit leaf is not UTF-8 JSON');
  }
  if (!Array.isArray(decoded) || decoded.length !== 11) {
    throw new TransparencyError('LEAF_MALFORMED', 'the audit leaf is not an array of 11 values');
  }
  const [version, seq, at, type, outcome, actor, device, target, client, userAgent, details] =
    decoded as unknown[];
  if (version !== AUDIT_LEAF_VERSION) {
    throw new TransparencyError(
      'LEAF_MALFORMED',
      `audit leaf version ${String(version)}, expected ${String(AUDIT_LEAF_VERSION)}`,
    );
  }
  if (
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    !isText(at) ||
    !isText(type) ||
    !isText(outcome) ||
    !isTextOrNull(actor) ||
    !isTextOrNull(device) ||
    !isTextOrNull(target) ||
    !isTextOrNull(client) ||
    !isTextOrNull(userAgent) ||
    !isText(details)
  ) {
    throw new TransparencyError('LEAF_MALFORMED', 'an audit leaf field has the wrong type');
  }
  return {
    seq,
    at,
    type,
    outcome,
    actorAccountId: actor,
    actorDeviceId: device,
    target,
    client,
    userAgent,
    details,
  };
}
