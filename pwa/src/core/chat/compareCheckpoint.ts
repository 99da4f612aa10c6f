import { encodeHex } from '@vaultroom/shared';
import { DeliveryError } from '@vaultroom/shared/client';
import {
  advanceLogView,
  parseVerifierKey,
  TransparencyError,
  verifyCheckpoint,
  type Checkpoint,
} from '@vaultroom/shared/transparency';
import { requireTransport, type ChatContext } from './ChatContext.js';
import type { LogViewRecord } from './chatRecords.js';
import { recordLogWarning, type LogWarningKind } from './logNotices.js';
import { firstTrustedLog, loadTrustedLog, trustCheckpoint } from './trustedLog.js';

/**
 * PROTOCOL.md §1.8.3: compares a checkpoint someone else holds (a contact's, told in a
 * `checkpoint` content; or the relay's, shown on the Security screen) with the one this device
 * trusts. Same size: the roots must match. Different sizes: the relay must prove, from the
 * smaller one, that its newest checkpoint extends both. Anything else is kept as a warning that
 * names what was seen, and the larger consistent checkpoint becomes the trusted one.
 */

export type CheckpointComparison =
  /** One log: the same checkpoint, or one proven to extend the other. */
  | { readonly kind: 'consistent' }
  /** Two logs: kept as a warning. */
  | { readonly kind: 'warning'; readonly warning: LogWarningKind }
  /** Not a checkpoint of any log this device can judge (malformed, a forged signature). */
  | { readonly kind: 'unreadable'; readonly code: string }
  /** The relay could not be asked now (offline, no trusted checkpoint yet): tried next time. */
  | { readonly kind: 'unfinished' };

/** A tree head: a checkpoint's size and root. */
interface Head {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

/** The relay's newest checkpoint, proven to extend `base`, or why it is not one log with it. */
type RelayAnswer =
  | { readonly kind: 'proven'; readonly checkpoint: Checkpoint; readonly note: string }
  | { readonly kind: 'warning'; readonly warning: LogWarningKind };

/** How many times the relay is asked before a comparison waits for the next checkpoint. */
const ATTEMPTS = 3;

const sameRoot = (a: Head, b: Head) => encodeHex(a.rootHash) === encodeHex(b.rootHash);

/**
 * Compares `note` with the trusted checkpoint. `from` is the contact who told it (a handle), or
 * null for the relay's own checkpoint. Warnings are kept and reported here.
 */
export async function compareCheckpoint(
  ctx: ChatContext,
  note: string,
  from: string | null,
): Promise<CheckpointComparison> {
  let trusted: LogViewRecord | null;
  try {
    trusted = (await loadTrustedLog(ctx)) ?? (await firstTrustedLog(ctx));
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    ctx.report({ kind: 'checkpoint-unchecked', from, code: error.code });
    return { kind: 'unfinished' };
  }
  if (trusted === null) return { kind: 'unfinished' };
  const verifier = parseVerifierKey(trusted.verifierKey);
  let other: Checkpoint;
  try {
    other = verifyCheckpoint(note, { origin: verifier.name, verifiers: [verifier] }, ctx.sodium);
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    // Another key or log name: the other side was shown a log this device cannot check at all.
    if (error.code === 'UNKNOWN_KEY' || error.code === 'CHECKPOINT_ORIGIN_MISMATCH') {
      return warn(ctx, trusted, from, 'other-key', null);
    }
    ctx.report({ kind: 'checkpoint-refused', from, code: error.code });
    return { kind: 'unreadable', code: error.code };
  }
  let outcome: RelayAnswer | { readonly kind: 'consistent' } | null;
  try {
    outcome = await resolve(ctx, trusted, other);
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    ctx.report({ kind: 'checkpoint-unchecked', from, code: error.code });
    return { kind: 'unfinished' };
  }
  if (outcome === null) return { kind: 'unfinished' };
  if (outcome.kind === 'warning') return warn(ctx, trusted, from, outcome.warning, other.size);
  if (outcome.kind === 'proven') {
    await trustCheckpoint(
      ctx,
      trusted,
      { ...outcome.checkpoint, verifierKey: trusted.verifierKey },
      outcome.note,
    );
  }
  return { kind: 'consistent' };
}

/**
 * Whether `other` and `trusted` are one log. Same size: their roots. Otherwise the relay's
 * newest checkpoint must extend the smaller (a consistency proof from it) and the larger (the
 * same root at its size, or a second proof from it, answered with the same newest checkpoint).
 * A newer checkpoint signed between the two questions starts them again; null after
 * {@link ATTEMPTS} such races.
 */
async function resolve(
  ctx: ChatContext,
  trusted: LogViewRecord,
  other: Checkpoint,
): Promise<RelayAnswer | { readonly kind: 'consistent' } | null> {
  if (other.size === trusted.size) {
    return sameRoot(other, trusted) ? { kind: 'consistent' } : warning('two-roots');
  }
  const [smaller, larger] = other.size < trusted.size ? [other, trusted] : [trusted, other];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const newest = await relayCheckpointFrom(ctx, trusted.verifierKey, smaller);
    if (newest.kind === 'warning') return newest;
    const { checkpoint } = newest;
    // The relay signed `larger` (for this device or the other one): its newest cannot be smaller.
    if (checkpoint.size < larger.size) return warning('shrunk');
    if (checkpoint.size === larger.size) {
      return sameRoot(checkpoint, larger) ? newest : warning('two-roots');
    }
    const again = await relayCheckpointFrom(ctx, trusted.verifierKey, larger);
    if (again.kind === 'warning') return again;
    if (again.checkpoint.size !== checkpoint.size) continue;
    return sameRoot(again.checkpoint, checkpoint) ? newest : warning('two-roots');
  }
  return null;
}

/**
 * Asks the relay for its newest checkpoint with a consistency proof from `base` (`prove-keys`
 * with no objects, §2.11) and checks both: signed by the trusted key, and extending `base`.
 */
async function relayCheckpointFrom(
  ctx: ChatContext,
  verifierKey: string,
  base: Head,
): Promise<RelayAnswer> {
  let answer;
  try {
    answer = await requireTransport(ctx).proveKeys([], base.size);
  } catch (error) {
    // `from` above its newest checkpoint: the relay no longer has a size it signed.
    if (error instanceof DeliveryError && error.code === 'LOG_UNAVAILABLE')
      return warning('shrunk');
    throw error;
  }
  if (answer.verifierKey !== verifierKey) return warning('other-key');
  const verifier = parseVerifierKey(verifierKey);
  let checkpoint: Checkpoint;
  try {
    checkpoint = verifyCheckpoint(
      answer.checkpoint,
      { origin: verifier.name, verifiers: [verifier] },
      ctx.sodium,
    );
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    return warning('other-key');
  }
  if (checkpoint.size < base.size) return warning('shrunk');
  try {
    advanceLogView(
      ctx.sodium,
      { size: base.size, rootHash: base.rootHash, verifierKey },
      answer.checkpoint,
      verifierKey,
      answer.consistency,
    );
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    return warning(checkpoint.size === base.size ? 'two-roots' : 'not-extended');
  }
  return { kind: 'proven', checkpoint, note: answer.checkpoint };
}

const warning = (kind: LogWarningKind): RelayAnswer => ({ kind: 'warning', warning: kind });

async function warn(
  ctx: ChatContext,
  trusted: LogViewRecord,
  from: string | null,
  kind: LogWarningKind,
  size: number | null,
): Promise<CheckpointComparison> {
  ctx.report({ kind: 'log-fork', from, warning: kind });
  await recordLogWarning(ctx, { kind, from, size, trustedSize: trusted.size });
  return { kind: 'warning', warning: kind };
}
