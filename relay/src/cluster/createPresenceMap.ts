/**
 * Which devices have a connection on other relays, as their announcements said. Push
 * notifications ask it, to skip a device connected anywhere. An entry lives while its node
 * repeats it (snapshots every few seconds): a node that crashed, or an `offline` that was lost,
 * is forgotten after `ttlMs`. So an answer may be stale by that long, which costs at worst one
 * push too few or too many; envelopes themselves never depend on it.
 */
export interface PresenceMap {
  /** The node holds these devices now (an `online` or a snapshot). */
  seen(node: string, deviceIds: readonly string[]): void;
  /** The node lost its last connection of these devices. */
  gone(node: string, deviceIds: readonly string[]): void;
  /** The node stopped: none of its devices is there any more. */
  forgetNode(node: string): void;
  /** Whether some node announced the device within the last `ttlMs`. */
  has(deviceId: string): boolean;
  /** Drops expired entries (call now and then, to bound memory). */
  prune(): void;
}

export function createPresenceMap(options: {
  readonly ttlMs: number;
  readonly now: () => number;
}): PresenceMap {
  /** device → node → when last announced (ms). */
  const devices = new Map<string, Map<string, number>>();
  const fresh = (at: number) => options.now() - at <= options.ttlMs;

  function remove(deviceId: string, node: string): void {
    const nodes = devices.get(deviceId);
    nodes?.delete(node);
    if (nodes?.size === 0) devices.delete(deviceId);
  }

  return {
    seen(node, deviceIds) {
      const at = options.now();
      for (const deviceId of deviceIds) {
        const nodes = devices.get(deviceId) ?? new Map<string, number>();
        nodes.set(node, at);
        devices.set(deviceId, nodes);
      }
    },
    gone(node, deviceIds) {
      for (const deviceId of deviceIds) remove(deviceId, node);
    },
    forgetNode(node) {
      for (const deviceId of [...devices.keys()]) remove(deviceId, node);
    },
    has(deviceId) {
      for (const at of devices.get(deviceId)?.values() ?? []) if (fresh(at)) return true;
      return false;
    },
    prune() {
      for (const [deviceId, nodes] of [...devices]) {
        for (const [node, at] of [...nodes]) if (!fresh(at)) remove(deviceId, node);
      }
    },
  };
}
