/**
 * Live delivery between relays (DESIGN.md §3, "Growth path"): what one relay tells the others and
 * what it hears from them. The mailbox stays the truth: everything that passes here is a hint
 * that may be lost, after which a relay catches up from the mailbox (PROTOCOL.md §2.6.2).
 */
export interface Fanout {
  /** Envelopes for these devices were just committed (durable): wake the relays holding them. */
  committed(deviceIds: readonly string[]): void;
  /** A device got its first connection on this relay (true), or lost its last one (false). */
  presenceChanged(deviceId: string, connected: boolean): void;
  /** Whether the device has a connection on another relay, as far as this one knows. */
  connectedElsewhere(deviceId: string): boolean;
  /** Devices revoked on this relay: their connections on the others close too. */
  devicesRevoked(deviceIds: readonly string[]): void;
  /** What this relay does with what it hears: set once, by the delivery service. */
  listen(listener: FanoutListener): void;
}

export interface FanoutListener {
  /** Envelopes were committed for this device by another relay: push them from the mailbox. */
  wake(deviceId: string): void;
  /**
   * Wake-ups may have been lost (the bus was out of reach) or raced (two relays committing at
   * once): read every connected device's mailbox again from its beginning.
   */
  catchUp(): void;
  /** Devices revoked on another relay: close their connections here. */
  devicesRevoked(deviceIds: readonly string[]): void;
  /** The devices connected here now. */
  connectedDevices(): string[];
}

/**
 * One relay alone (SQLite, or PostgreSQL without NATS): every connection is in this process, so
 * the push router's own offers are the whole of live delivery and nothing is told to anyone.
 */
export function createInProcessFanout(): Fanout {
  return {
    committed: () => undefined,
    presenceChanged: () => undefined,
    connectedElsewhere: () => false,
    devicesRevoked: () => undefined,
    listen: () => undefined,
  };
}
