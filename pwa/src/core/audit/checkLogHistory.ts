import {
  TransparencyError,
  verifyConsistency,
  type Checkpoint,
} from '@vaultroom/shared/transparency';
import {
  decodeBase64,
  encodeBase64,
  EncodingError,
  type ConsistencyResponse,
} from '@vaultroom/shared';

/** The last checkpoint this device verified, kept so a rewritten log can be noticed later. */
export interface RememberedCheckpoint {
  readonly size: number;
  /** Base64 root hash. */
  readonly rootHash: string;
  /** The verifier key string that signed it. */
  readonly verifierKey: string;
  /** When this device first saw this checkpoint (ISO 8601). */
  readonly seenAt: string;
}

/** How the relay's current checkpoint relates to the one this device remembers. */
export type LogHistory =
  /** Nothing remembered yet: trusted on first use. */
  | { readonly kind: 'first-use' }
  /** The same tree as last time. */
  | { readonly kind: 'unchanged' }
  /** A larger tree, proven to extend the remembered one. */
  | { readonly kind: 'extended'; readonly from: number }
  /** A smaller tree: events this device saw were removed. */
  | { readonly kind: 'rolled-back'; readonly remembered: RememberedCheckpoint }
  /** A tree that does not extend the remembered one (same size, other root, or a failed proof). */
  | { readonly kind: 'forked'; readonly remembered: RememberedCheckpoint }
  /** Signed by another key than before: the log cannot be compared, so it is not trusted. */
  | { readonly kind: 'key-changed'; readonly remembered: RememberedCheckpoint };

/** Fetches the consistency proof between two tree sizes (`GET /api/audit/consistency`). */
export type FetchConsistency = (
  from: number,
  to: number,
) => Promise<Pick<ConsistencyResponse, 'links' | 'proof'>>;

/** The outcomes that mean the log is not the one this device saw. */
export type LogProblem = Extract<LogHistory, { readonly remembered: RememberedCheckpoint }>;

/** True when the current checkpoint may replace the remembered one. */
export function historyIsConsistent(
  history: LogHistory,
): history is Exclude<LogHistory, LogProblem> {
  return (
    history.kind === 'first-use' || history.kind === 'unchanged' || history.kind === 'extended'
  );
}

export function rememberCheckpoint(
  checkpoint: Checkpoint,
  verifierKey: string,
  now: Date,
): RememberedCheckpoint {
  return {
    size: checkpoint.size,
    rootHash: encodeBase64(checkpoint.rootHash),
    verifierKey,
    seenAt: now.toISOString(),
  };
}

/** Reads what the platform stored; anything malformed counts as nothing remembered. */
export function parseRememberedCheckpoint(text: string | null): RememberedCheckpoint | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { size, rootHash, verifierKey, seenAt } = value as Record<string, unknown>;
  if (
    typeof size !== 'number' ||
    !Number.isSafeInteger(size) ||
    size < 1 ||
    typeof rootHash !== 'string' ||
    !isBase64Hash(rootHash) ||
    typeof verifierKey !== 'string' ||
    typeof seenAt !== 'string'
  ) {
    return null;
  }
  return { size, rootHash, verifierKey, seenAt };
}

/**
 * Compares a verified checkpoint with the remembered one. A grown tree must come with a valid
 * consistency proof (RFC 9162 §2.1.4.2); a smaller tree, a different root at the same size or a
 * new signing key means the log is not the one this device saw. `current` must already be
 * verified against `verifierKey`.
 */
export async function checkLogHistory(options: {
  readonly remembered: RememberedCheckpoint | null;
  readonly current: Checkpoint;
  readonly verifierKey: string;
  readonly fetchConsistency: FetchConsistency;
}): Promise<LogHistory> {
  const { remembered, current, verifierKey } = options;
  if (remembered === null) return { kind: 'first-use' };
  if (remembered.verifierKey !== verifierKey) return { kind: 'key-changed', remembered };
  if (current.size < remembered.size) return { kind: 'rolled-back', remembered };
  if (current.size === remembered.size) {
    return encodeBase64(current.rootHash) === remembered.rootHash
      ? { kind: 'unchanged' }
      : { kind: 'forked', remembered };
  }
  const response = await options.fetchConsistency(remembered.size, current.size);
  // Across a pruning the proof comes in steps: to each kept size (with its root), then on to the
  // current size. Each step is a consistency proof (RFC 9162 §2.1.4.2), and consistency chains:
  // if the remembered tree is a prefix of the tree at a kept size and that tree a prefix of the
  // current one, the remembered tree is a prefix of the current one. The roots of the kept sizes
  // need no signature for this: a root the relay made up could not satisfy both proofs without a
  // SHA-256 collision.
  try {
    let size = remembered.size;
    let rootHash = decodeBase64(remembered.rootHash);
    for (const link of response.links ?? []) {
      const linkRoot = decodeBase64(link.rootHash);
      const proof = link.proof.map(decodeBase64);
      if (link.size > current.size) return { kind: 'forked', remembered };
      verifyConsistency(size, link.size, proof, rootHash, linkRoot);
      size = link.size;
      rootHash = linkRoot;
    }
    const proof = response.proof.map(decodeBase64);
    verifyConsistency(size, current.size, proof, rootHash, current.rootHash);
    return { kind: 'extended', from: remembered.size };
  } catch (error) {
    // A proof or root that is not base64 proves nothing, like one that does not verify.
    if (error instanceof TransparencyError || error instanceof EncodingError) {
      return { kind: 'forked', remembered };
    }
    throw error;
  }
}

function isBase64Hash(text: string): boolean {
  try {
    return decodeBase64(text).length === 32;
  } catch (error) {
    if (error instanceof EncodingError) return false;
    throw error;
  }
}
