import { encodeBase64Url } from '@vaultroom/shared';
import {
  advanceLogView,
  parseVerifierKey,
  TransparencyError,
  type TransparencyErrorCode,
  type TrustedLogView,
} from '@vaultroom/shared/transparency';
import { emit, requireTransport, type ChatContext } from './ChatContext.js';
import type { LogViewRecord } from './chatRecords.js';
import { recordLogWarning, type LogWarningKind } from './logNotices.js';

/**
 * The one checkpoint this device trusts (PROTOCOL.md §1.8.3, §1.15.6 rule 7, §3.9): key proofs,
 * monitoring, the comparison with contacts' checkpoints and the Security screen all read it from
 * here and replace it only with a checkpoint proven to extend it. Its verifier key is the one
 * the invite link pinned, or on a device that joined without one, the first one seen.
 */

/** What the Security screen shows of the trusted checkpoint. */
export interface TrustedLogSummary {
  readonly size: number;
  readonly verifierKey: string;
  /** The key came from the invite link; false: trusted on first use. */
  readonly pinned: boolean;
  /** The log's public key as an invite link carries it (base64url of the 32 bytes). */
  readonly linkKey: string;
}

export async function loadTrustedLog(ctx: ChatContext): Promise<LogViewRecord | null> {
  return (await ctx.repo.loadLogView()) ?? null;
}

export function summarize(view: LogViewRecord): TrustedLogSummary {
  return {
    size: view.size,
    verifierKey: view.verifierKey,
    pinned: view.pinned === true,
    linkKey: encodeBase64Url(parseVerifierKey(view.verifierKey).publicKey),
  };
}

/**
 * Before a first checkpoint is trusted: its key must be the one the invite link pinned, if the
 * device joined through one. A relay that signs this device's log with a key of its own (one log
 * per user) is refused here rather than trusted on first use.
 */
export function checkFirstKey(ctx: ChatContext, verifierKey: string): void {
  if (ctx.pinnedLogKey === null) return;
  if (encodeBase64Url(parseVerifierKey(verifierKey).publicKey) !== ctx.pinnedLogKey) {
    throw new TransparencyError(
      'UNKNOWN_KEY',
      'the log is signed by another key than the pinned one',
    );
  }
}

/**
 * What the device trusts before anything else: the relay's newest checkpoint, under the key the
 * invite link pinned or, without one, on first use. Null when the relay's key is refused.
 */
export async function firstTrustedLog(ctx: ChatContext): Promise<LogViewRecord | null> {
  const answer = await requireTransport(ctx).proveKeys([], 0);
  try {
    checkFirstKey(ctx, answer.verifierKey);
    const view = advanceLogView(ctx.sodium, null, answer.checkpoint, answer.verifierKey, {
      links: [],
      proof: [],
    });
    return await trustCheckpoint(ctx, null, view, answer.checkpoint);
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    await relayLogRefused(ctx, error);
    return null;
  }
}

/**
 * Trusts `view` (already proven to extend `before`) with its signed note; what monitoring
 * learned carries over. A view of the size already trusted changes nothing but a missing note.
 */
export async function trustCheckpoint(
  ctx: ChatContext,
  before: LogViewRecord | null,
  view: TrustedLogView,
  note: string,
): Promise<LogViewRecord> {
  if (before !== null && before.size === view.size && (before.note ?? null) !== null) return before;
  if (before !== null && before.size > view.size) return before;
  const record: LogViewRecord = {
    size: view.size,
    rootHash: Uint8Array.from(view.rootHash),
    verifierKey: view.verifierKey,
    monitored: before?.monitored ?? null,
    loggedDevices: before?.loggedDevices ?? [],
    monitoredFrom: before?.monitoredFrom ?? null,
    note,
    pinned: before === null ? ctx.pinnedLogKey !== null : before.pinned === true,
  };
  await saveTrustedLog(ctx, record);
  return record;
}

/** Stores the trusted checkpoint (and monitoring's progress with it) and tells the app. */
export async function saveTrustedLog(ctx: ChatContext, record: LogViewRecord): Promise<void> {
  await ctx.repo.saveLogView(record);
  emit(ctx, { kind: 'log-trusted', trusted: summarize(record) });
}

/** What a failed check of the relay's own answer means, as a persistent warning. */
const KIND_OF_CODE: Partial<Record<TransparencyErrorCode, LogWarningKind>> = {
  CONSISTENCY_PROOF_INVALID: 'not-extended',
  INCLUSION_PROOF_INVALID: 'not-extended',
  UNKNOWN_KEY: 'other-key',
  CHECKPOINT_ORIGIN_MISMATCH: 'other-key',
};

/**
 * The relay answered with a log that is not the one this device trusts: reported, and kept as
 * a warning (a proof that fails, a smaller log, another key). Malformed answers are only reported.
 */
export async function relayLogRefused(ctx: ChatContext, error: TransparencyError): Promise<void> {
  ctx.report({ kind: 'log-inconsistent', code: error.code });
  const kind = KIND_OF_CODE[error.code];
  if (kind === undefined) return;
  const trusted = await loadTrustedLog(ctx);
  await recordLogWarning(ctx, { kind, from: null, size: null, trustedSize: trusted?.size ?? 0 });
}
