import {
  decodeBase64,
  EncodingError,
  type MyAuditEventsResponse,
  type ProvenAuditEvent,
} from '@vaultroom/shared';
import {
  decodeAuditLeaf,
  hashLeaf,
  parseVerifierKey,
  TransparencyError,
  verifyCheckpoint,
  verifyInclusion,
  type AuditLeaf,
  type Checkpoint,
  type Ed25519Api,
} from '@vaultroom/shared/transparency';

/** Where one event stands: proven in a signed checkpoint, not signed yet, or failing its proof. */
export type EventProofState = 'verified' | 'pending' | 'failed';

export interface CheckedAuditEvent {
  readonly event: ProvenAuditEvent;
  readonly state: EventProofState;
}

/** What the relay says identifies and signs its log (`GET /api/audit/checkpoint`). */
export interface LogIdentity {
  readonly origin: string;
  readonly verifierKey: string;
}

export type VerifiedAuditPage =
  /** The page's checkpoint is signed by the relay's key; each event was checked against it. */
  | {
      readonly kind: 'signed';
      readonly checkpoint: Checkpoint;
      readonly events: readonly CheckedAuditEvent[];
    }
  /** No checkpoint is signed yet: every event waits for the first one. */
  | { readonly kind: 'unsigned'; readonly events: readonly CheckedAuditEvent[] }
  /** The checkpoint does not verify, so no event on the page can be trusted. */
  | {
      readonly kind: 'invalid';
      readonly reason: string;
      readonly events: readonly CheckedAuditEvent[];
    };

/**
 * The leaf is the relay's canonical encoding of the event (shared `encodeAuditLeaf`). The fields
 * shown must be the ones the leaf commits to, or a relay could prove one event and display another.
 */
function leafMatches(leaf: Uint8Array, event: ProvenAuditEvent): boolean {
  let fields: AuditLeaf;
  let parsedDetails: unknown;
  try {
    fields = decodeAuditLeaf(leaf);
    parsedDetails = JSON.parse(fields.details);
  } catch (error) {
    if (error instanceof TransparencyError || error instanceof SyntaxError) return false;
    throw error;
  }
  return (
    fields.seq === event.seq &&
    fields.at === event.at &&
    fields.type === event.type &&
    fields.outcome === event.outcome &&
    fields.actorAccountId === event.actorAccountId &&
    fields.target === event.target &&
    fields.userAgent === event.userAgent &&
    JSON.stringify(parsedDetails) === JSON.stringify(event.details)
  );
}

/**
 * Checks one event against a verified checkpoint (RFC 9162 §2.1.3.2): its leaf must describe it,
 * and the leaf's hash at index seq - 1 must lead to the checkpoint's root through the proof.
 */
export function checkEventInclusion(
  event: ProvenAuditEvent,
  checkpoint: Checkpoint | null,
): EventProofState {
  // Newer than the checkpoint: the relay cannot prove it yet, and says so with a null proof.
  if (checkpoint === null || event.seq > checkpoint.size) {
    return event.proof === null ? 'pending' : 'failed';
  }
  if (event.proof === null) return 'failed';
  let leaf: Uint8Array;
  let proof: Uint8Array[];
  try {
    leaf = decodeBase64(event.leaf);
    proof = event.proof.map(decodeBase64);
  } catch (error) {
    if (error instanceof EncodingError) return 'failed';
    throw error;
  }
  if (!leafMatches(leaf, event)) return 'failed';
  try {
    verifyInclusion(hashLeaf(leaf), event.seq - 1, checkpoint.size, proof, checkpoint.rootHash);
    return 'verified';
  } catch (error) {
    if (error instanceof TransparencyError) return 'failed';
    throw error;
  }
}

/**
 * Verifies a page of the account's own events: the checkpoint's signature by the relay's log key
 * and its origin (c2sp.org/tlog-checkpoint), that the proofs were made for that checkpoint's
 * size, then each event's inclusion proof.
 */
export function verifyAuditEvents(
  page: MyAuditEventsResponse,
  identity: LogIdentity,
  sodium: Ed25519Api,
): VerifiedAuditPage {
  const all = (state: EventProofState) => page.events.map((event) => ({ event, state }));
  if (page.checkpoint === null) return { kind: 'unsigned', events: all('pending') };
  let checkpoint: Checkpoint;
  try {
    checkpoint = verifyCheckpoint(
      page.checkpoint,
      { origin: identity.origin, verifiers: [parseVerifierKey(identity.verifierKey)] },
      sodium,
    );
  } catch (error) {
    if (error instanceof TransparencyError) {
      return { kind: 'invalid', reason: error.code, events: all('failed') };
    }
    throw error;
  }
  if (checkpoint.size !== page.treeSize) {
    return {
      kind: 'invalid',
      reason: `proofs are for size ${page.treeSize}, checkpoint has ${checkpoint.size}`,
      events: all('failed'),
    };
  }
  return {
    kind: 'signed',
    checkpoint,
    events: page.events.map((event) => ({ event, state: checkEventInclusion(event, checkpoint) })),
  };
}
