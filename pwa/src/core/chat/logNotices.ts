import { emit, type ChatContext } from './ChatContext.js';

/**
 * What this device keeps of the audit log's troubles, in the sealed store so that they survive a
 * reload: evidence that the relay showed this device, or a contact's, a log other than its own
 * (PROTOCOL.md §1.8.3: these stay), and what monitoring its own account found (§3.9: each shown
 * until the person dismisses it; a new one shows again).
 */

export type LogWarningKind =
  /** Two checkpoints of one size with different roots, both signed by the log's key. */
  | 'two-roots'
  /** The relay's newest checkpoint is smaller than one it signed before. */
  | 'shrunk'
  /** A consistency proof between two checkpoints failed: they are not one log. */
  | 'not-extended'
  /** A checkpoint signed by another key than the one this device trusts or the invite pinned. */
  | 'other-key';

export interface LogWarning {
  readonly kind: LogWarningKind;
  /** The contact whose checkpoint disagreed with this device's, or null: the relay's own answer. */
  readonly from: string | null;
  /** The size of the checkpoint that disagreed, when it could be read. */
  readonly size: number | null;
  /** The size of the checkpoint this device trusted then. */
  readonly trustedSize: number;
  readonly seenAt: number;
}

/** A key entry of this account that it did not make (§3.9), or a device it never logged. */
export interface LogAlert {
  /** Stable for one finding, so a finding seen again is not shown again once dismissed. */
  readonly id: string;
  readonly entry: string;
  readonly device: string | null;
  readonly seenAt: number;
  readonly dismissed: boolean;
}

export interface LogNoticesRecord {
  readonly warnings: readonly LogWarning[];
  readonly alerts: readonly LogAlert[];
}

/** Kept per kind of finding: enough to name what was seen, bounded against a flood. */
const MAX_KEPT = 20;

export async function loadLogNotices(ctx: ChatContext): Promise<LogNoticesRecord> {
  const stored = await ctx.repo.loadLogNotices();
  return { warnings: stored?.warnings ?? [], alerts: stored?.alerts ?? [] };
}

async function saveLogNotices(ctx: ChatContext, record: LogNoticesRecord): Promise<void> {
  await ctx.repo.saveLogNotices(record);
  emit(ctx, { kind: 'log-notices', notices: record });
}

/**
 * Keeps a warning. The same finding (kind, contact, size) is kept once; the first ones are kept
 * over later ones, since the first sighting is the evidence.
 */
export async function recordLogWarning(
  ctx: ChatContext,
  warning: Omit<LogWarning, 'seenAt'>,
): Promise<void> {
  const notices = await loadLogNotices(ctx);
  const same = (kept: LogWarning) =>
    kept.kind === warning.kind && kept.from === warning.from && kept.size === warning.size;
  if (notices.warnings.some(same) || notices.warnings.length >= MAX_KEPT) return;
  const kept: LogWarning = { ...warning, seenAt: ctx.now() };
  await saveLogNotices(ctx, { ...notices, warnings: [...notices.warnings, kept] });
}

/** Keeps a monitoring finding, unless it is known (dismissed or not). True when it is new. */
export async function recordLogAlert(
  ctx: ChatContext,
  alert: Omit<LogAlert, 'seenAt' | 'dismissed'>,
): Promise<boolean> {
  const notices = await loadLogNotices(ctx);
  if (notices.alerts.some((kept) => kept.id === alert.id)) return false;
  // Past the bound, the oldest dismissed one makes room; undismissed ones are never dropped.
  let alerts = [...notices.alerts];
  if (alerts.length >= MAX_KEPT) {
    const oldDismissed = alerts.findIndex((kept) => kept.dismissed);
    if (oldDismissed >= 0) alerts.splice(oldDismissed, 1);
  }
  alerts = [...alerts, { ...alert, seenAt: ctx.now(), dismissed: false }];
  await saveLogNotices(ctx, { ...notices, alerts });
  return true;
}

/** The person has read a monitoring finding: it is no longer shown, here or after a reload. */
export async function dismissLogAlert(ctx: ChatContext, id: string): Promise<void> {
  const notices = await loadLogNotices(ctx);
  if (!notices.alerts.some((kept) => kept.id === id && !kept.dismissed)) return;
  const alerts = notices.alerts.map((kept) =>
    kept.id === id ? { ...kept, dismissed: true } : kept,
  );
  await saveLogNotices(ctx, { ...notices, alerts });
}
