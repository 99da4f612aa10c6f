import type { HttpResponse } from 'uWebSockets.js';

/** A request's response and whether its client is still there (uWS's onAborted, shared). */
export interface Connection {
  readonly res: HttpResponse;
  readonly aborted: () => boolean;
  /** Runs `listener` when the client goes away (at once if it already has). */
  readonly onAbort: (listener: () => void) => void;
}
