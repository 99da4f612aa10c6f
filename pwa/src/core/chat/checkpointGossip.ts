import { encodeContent, sendMessage } from '@vaultroom/shared/crypto';
import { connected, requireTransport, type ChatContext } from './ChatContext.js';
import { compareCheckpoint } from './compareCheckpoint.js';
import { loadTrustedLog } from './trustedLog.js';

/**
 * PROTOCOL.md §1.8.3: each device tells the people it writes to the newest checkpoint it trusts,
 * inside end-to-end content, so that a relay showing two people two different logs is seen by
 * them. At most once a minute per conversation, riding on what the conversation already sends
 * (a message, a receipt).
 */

/** The least time between two checkpoints told to one conversation. */
export const GOSSIP_INTERVAL_MS = 60 * 1000;
/**
 * The least time between two checkpoints from one device that this device compares: each may
 * cost it a few questions to the relay, and a contact's device could send them without pause.
 */
export const COMPARE_INTERVAL_MS = 10 * 1000;

/**
 * A checkpoint a contact's device told (§1.8.3): compared, unless it is the one compared last
 * from that device, or that device's previous one was compared less than ten seconds ago.
 */
export async function receiveCheckpoint(
  ctx: ChatContext,
  from: { readonly handle: string; readonly device: string },
  note: string,
): Promise<void> {
  const last = ctx.checkpointsCompared.get(from.device);
  const now = ctx.now();
  if (last !== undefined && (last.note === note || Math.abs(now - last.at) < COMPARE_INTERVAL_MS)) {
    return;
  }
  ctx.checkpointsCompared.set(from.device, { note, at: now });
  await compareCheckpoint(ctx, note, from.handle);
}

/**
 * Sends this device's trusted checkpoint to `deviceIds` for `conversation`, unless it did so
 * less than a minute ago or holds no checkpoint yet. Only over sessions the other side has
 * answered: a client from before §1.8.3 drops this content as MALFORMED, and one dropped with a
 * first message would count against the sender's first-message budget there (§1.5.7).
 */
export async function tellCheckpoint(
  ctx: ChatContext,
  conversation: string,
  deviceIds: readonly string[],
): Promise<void> {
  // Never the failure of the message or receipt it rides with: that one is already on its way.
  try {
    await sendCheckpoint(ctx, conversation, deviceIds);
  } catch (error) {
    ctx.report({ kind: 'task-failed', task: 'tell the checkpoint', error });
  }
}

async function sendCheckpoint(
  ctx: ChatContext,
  conversation: string,
  deviceIds: readonly string[],
): Promise<void> {
  if (!connected(ctx) || deviceIds.length === 0) return;
  const sent = (await ctx.repo.loadGossipSent()) ?? {};
  const last = sent[conversation];
  const now = ctx.now();
  if (last !== undefined && now - last < GOSSIP_INTERVAL_MS && now >= last) return;
  const note = (await loadTrustedLog(ctx))?.note ?? null;
  if (note === null) return;
  const bytes = encodeContent({ type: 'checkpoint', note });
  const to: { device: string; body: Uint8Array }[] = [];
  for (const device of new Set(deviceIds)) {
    const session = await ctx.repo.sessions.loadSession(device);
    // No session, or one the other side has not answered yet.
    if (session?.pendingPrekey !== null) continue;
    to.push({ device, body: await sendMessage(ctx.sodium, ctx.repo.sessions, device, bytes) });
  }
  if (to.length === 0) return;
  await ctx.repo.saveGossipSent({ ...sent, [conversation]: now });
  await requireTransport(ctx).send(to);
}
