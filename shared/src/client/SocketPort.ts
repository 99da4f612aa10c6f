/**
 * The one thing the delivery client needs from a WebSocket, so `shared` stays free of DOM and Node
 * types: platform adapters (browser `WebSocket`, the `ws` package, an in-memory fake) implement it.
 *
 * The client assigns the three hooks right after the factory returns; adapters call them for the
 * socket's events, which always arrive on a later turn, so none is missed.
 */
export interface SocketPort {
  /** Sends one binary frame. May throw when the socket is not open; the client then drops it. */
  send(bytes: Uint8Array): void;
  /** Closes the socket. The client passes 1000 (its own close) or 4000 (gave up waiting). */
  close(code?: number): void;
  onOpen: () => void;
  /** One binary WebSocket message. Adapters drop text messages: the protocol has none (§2.1). */
  onMessage: (bytes: Uint8Array) => void;
  /** The close code as received (1006 when the connection was lost without a close frame). */
  onClose: (code: number) => void;
}

/** Opens a socket to `url`. It may throw; the client then treats it as an abnormal close. */
export type SocketFactory = (url: string) => SocketPort;
