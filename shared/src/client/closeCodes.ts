/** WebSocket close codes as the delivery client uses them (PROTOCOL.md §2.1, §2.6.1). */
export const CLOSE = {
  /** `close()` by the caller. */
  NORMAL: 1000,
  /** What we act on when we drop a socket ourselves: the same as a lost connection. */
  ABNORMAL: 1006,
  /** §2.1: the session ended; reconnecting would only be refused. */
  SESSION_ENDED: 1008,
  /** We give up on a socket (a timeout, a send it refused): application range. */
  GAVE_UP: 4000,
  /** The relay sent a frame we cannot read (§2.6.1). */
  UNREADABLE_FRAME: 4002,
} as const;
