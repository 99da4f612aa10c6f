import { encodeContent, sendMessage } from '@vaultroom/shared/crypto';
import { connected, requireTransport, type ChatContext } from './ChatContext.js';
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
