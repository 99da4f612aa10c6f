import { decodeBase64, encodeHex } from '@vaultroom/shared';
import { DeliveryError } from '@vaultroom/shared/client';
import { LIMITS } from '@vaultroom/shared/protocol';
import { isCryptoError, verifyDeviceCertificate, verifyDeviceList } from '@vaultroom/shared/crypto';
import {
  Frontier,
  parseVerifierKey,
  scanLogLeaves,
  TransparencyError,
  verifyCheckpoint,
  type KeyEntry,
} from '@vaultroom/shared/transparency';
import { connected, emit, requireTransport, type ChatContext } from './ChatContext.js';
import type { LogViewRecord } from './chatRecords.js';
import { recordLogAlert, recordLogWarning } from './logNotices.js';
import { firstTrustedLog, loadTrustedLog, relayLogRefused, saveTrustedLog } from './trustedLog.js';

/**
 * PROTOCOL.md §3.9: each device monitors its own account. It reads the log's leaves after the
 * ones it checked before, recomputes the root of every signed checkpoint on the way (so the
 * leaves are the ones the relay signed, and the log only grew), and reads the key entries for
 * its account: one its account key did not sign, or a device of the account the relay lists but
 * never logged, is shown at once. Runs on every connection, when the account's trust changes,
 * and every few minutes.
 */

/** Leaves asked for per request: the wire's most (§2.11). */
const PAGE = LIMITS.maxLogLeavesPerFrame;
/** How often a connected device monitors its account. */
export const MONITOR_INTERVAL_MS = 10 * 60 * 1000;

export async function monitorOwnAccount(ctx: ChatContext): Promise<void> {
  if (!connected(ctx) || ctx.device?.device === null || ctx.accountKey === null) return;
  const link = requireTransport(ctx);
  let view = (await loadTrustedLog(ctx)) ?? (await firstTrustedLog(ctx));
  if (view === null) return;
  // Listed before the log is read: each device listed was registered, and logged in the same
  // write, before the checkpoint the reading ends at (the relay signs one for the tail), so a
  // device added while this runs is not mistaken for one added underneath.
  const listed =
    view.monitored === null || view.monitoredFrom === 0 ? (await link.listDevices()).devices : [];
  const entries: KeyEntry[] = [];
  let frontier: Frontier;
  let note = view.note ?? null;
  try {
    ({ view, frontier } = await startingPoint(ctx, view));
    for (;;) {
      const page = await link.fetchLog(frontier.size, PAGE);
      const verifier = parseVerifierKey(view.verifierKey);
      const checkpoint = verifyCheckpoint(
        page.checkpoint,
        { origin: verifier.name, verifiers: [verifier] },
        ctx.sodium,
      );
      if (checkpoint.size < view.size) {
        await shrunk(ctx, view);
        return;
      }
      // The leaves up to the trusted size must rebuild its root; the rest the checkpoint's.
      const upToView = Math.max(0, Math.min(page.leaves.length, view.size - frontier.size));
      entries.push(...scanLogLeaves(frontier, page.leaves.slice(0, upToView), view));
      entries.push(...scanLogLeaves(frontier, page.leaves.slice(upToView), checkpoint));
      if (frontier.size === checkpoint.size) {
        if (checkpoint.size !== view.size) note = page.checkpoint;
        view = { ...view, size: checkpoint.size, rootHash: checkpoint.rootHash };
        break;
      }
      if (page.leaves.length === 0) throw new TransparencyError('INVALID_ARGUMENT', 'no leaves');
    }
  } catch (error) {
    if (error instanceof TransparencyError) {
      await relayLogRefused(ctx, error);
      return;
    }
    if (error instanceof DeliveryError && error.code === 'LOG_UNAVAILABLE') {
      await unavailableBelowTrusted(ctx, view);
      return;
    }
    throw error;
  }
  const monitored = { size: frontier.size, edge: frontier.hashes() };
  const logged = new Set(view.loggedDevices);
  for (const entry of entries) {
    if (entry.account !== ctx.me) continue;
    if (entry.kind === 'device-identity' && entry.device !== null) logged.add(entry.device);
    if (!madeByThisAccount(ctx, entry)) {
      const what = entry.objectHash ?? entry.keyHash;
      await foreign(ctx, entry.kind, entry.device, `${entry.kind}:${entry.device ?? ''}:${what}`);
    }
  }
  await saveTrustedLog(ctx, { ...view, monitored, loggedDevices: [...logged], note });
  // A device the relay lists for this account that no entry logged: it was added underneath.
  if (view.monitoredFrom === 0) {
    for (const { device } of listed) {
      if (!logged.has(device)) {
        await foreign(ctx, 'unlogged-device', device, `unlogged-device:${device}`);
      }
    }
  }
}

/**
 * Where monitoring goes on from: the edge it stopped at, or at first the empty tree, so the
 * device reads every entry of its account; a log pruned since then starts at the trusted size,
 * whose edge the relay gives and which must fold to the trusted root.
 */
async function startingPoint(
  ctx: ChatContext,
  view: LogViewRecord,
): Promise<{ view: LogViewRecord; frontier: Frontier }> {
  if (view.monitored !== null) {
    return { view, frontier: Frontier.restore(view.monitored.size, view.monitored.edge) };
  }
  try {
    await requireTransport(ctx).fetchLog(0, 1);
    return { view: { ...view, monitoredFrom: 0 }, frontier: Frontier.empty() };
  } catch (error) {
    if (!(error instanceof DeliveryError && error.code === 'LOG_UNAVAILABLE')) throw error;
  }
  const { edge } = await requireTransport(ctx).fetchLog(view.size, 1);
  const frontier = Frontier.restore(view.size, edge);
  if (encodeHex(frontier.root()) !== encodeHex(view.rootHash)) {
    throw new TransparencyError('INCLUSION_PROOF_INVALID', 'the edge is not the trusted root');
  }
  return { view: { ...view, monitoredFrom: view.size }, frontier };
}

/**
 * `fetch-log` refuses a size above the relay's newest checkpoint, and one below its pruned size
 * (§2.11). `prove-keys` refuses only the first: refused from the trusted size too, the relay no
 * longer has a log it signed for this device, which is kept as a warning (`shrunk`, §1.8.3).
 */
async function unavailableBelowTrusted(ctx: ChatContext, view: LogViewRecord): Promise<void> {
  try {
    await requireTransport(ctx).proveKeys([], view.size);
  } catch (error) {
    if (!(error instanceof DeliveryError && error.code === 'LOG_UNAVAILABLE')) throw error;
    await shrunk(ctx, view);
  }
}

/** The relay's newest checkpoint is smaller than the one this device trusts (§1.8.3). */
async function shrunk(ctx: ChatContext, view: LogViewRecord): Promise<void> {
  ctx.report({ kind: 'log-inconsistent', code: 'CONSISTENCY_PROOF_INVALID' });
  await recordLogWarning(ctx, { kind: 'shrunk', from: null, size: null, trustedSize: view.size });
}

/** Whether this account's key made the entry (§3.9); registrations and revocations are facts. */
function madeByThisAccount(ctx: ChatContext, entry: KeyEntry): boolean {
  const key = ctx.accountKey?.publicKey;
  if (key === undefined || entry.object === null) return true;
  const object = decodeBase64(entry.object);
  try {
    switch (entry.kind) {
      case 'account-key':
        return encodeHex(object) === encodeHex(key);
      case 'device-certificate':
        verifyDeviceCertificate(ctx.sodium, key, object);
        return true;
      case 'device-list':
        verifyDeviceList(ctx.sodium, key, object, { handle: ctx.me });
        return true;
      case 'device-identity':
      case 'device-revocation':
        return true;
    }
  } catch (error) {
    if (isCryptoError(error)) return false;
    throw error;
  }
}

/** Reported every time; kept, and told to the app, once per finding (`id`). */
async function foreign(
  ctx: ChatContext,
  entry: string,
  device: string | null,
  id: string,
): Promise<void> {
  ctx.report({ kind: 'foreign-key-entry', entry, device });
  if (await recordLogAlert(ctx, { id, entry, device })) {
    emit(ctx, { kind: 'log-alert', id, entry, device });
  }
}
