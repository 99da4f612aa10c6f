import * as v from 'valibot';

/** The one subject every relay of a deployment publishes on and subscribes to, once per node. */
export const CLUSTER_SUBJECT = 'vaultroom.cluster';

/** Ids per message: bounds a message's size far below NATS's default payload limit (1 MiB). */
export const MAX_IDS_PER_MESSAGE = 1000;

const ids = v.pipe(
  v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  v.maxLength(MAX_IDS_PER_MESSAGE),
);
const node = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

/**
 * What relays tell each other (PROTOCOL.md §2.6.2). Each names the sending node, a random id per
 * process start, so that a relay ignores its own and forgets a node that said goodbye.
 */
const clusterMessageSchema = v.variant('t', [
  /** Envelopes for these devices are committed: a relay holding one reads its mailbox. */
  v.object({ t: v.literal('wake'), node, devices: ids }),
  /** Sessions ended (signed out, revoked, expired): their sockets close on every relay. */
  v.object({ t: v.literal('sessions-ended'), node, sessions: ids }),
  /** Devices revoked: their connections close on every relay. */
  v.object({ t: v.literal('devices-revoked'), node, devices: ids }),
  /** Devices that got their first, or lost their last, connection on the node. */
  v.object({ t: v.literal('presence'), node, online: ids, offline: ids }),
  /** Some of the devices connected to the node now, repeated while they are (a heartbeat). */
  v.object({ t: v.literal('snapshot'), node, devices: ids }),
  /** The node joined or reconnected: the others send it their snapshots. */
  v.object({ t: v.literal('hello'), node }),
  /** The node is stopping: forget what it holds. */
  v.object({ t: v.literal('bye'), node }),
]);

export type ClusterMessage = v.InferOutput<typeof clusterMessageSchema>;

export function encodeClusterMessage(message: ClusterMessage): string {
  return JSON.stringify(message);
}

/** The message, or null for anything that is not one (named in `reason`, for the log). */
export function decodeClusterMessage(
  data: Uint8Array,
): { message: ClusterMessage } | { message: null; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { message: null, reason: 'not JSON' };
  }
  const parsed = v.safeParse(clusterMessageSchema, json);
  // The kind of check that failed (`variant`, `max_length`…), not valibot's message, which
  // quotes the value it received.
  if (!parsed.success) return { message: null, reason: `failed ${parsed.issues[0].type}` };
  return { message: parsed.output };
}

/** Splits a list of ids into the lists of messages that may carry them. */
export function chunkIds(all: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < all.length; start += MAX_IDS_PER_MESSAGE) {
    chunks.push(all.slice(start, start + MAX_IDS_PER_MESSAGE));
  }
  return chunks;
}
