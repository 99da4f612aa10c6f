import type { HttpResponse } from 'uWebSockets.js';

export type BodySink = (chunk: Buffer, isLast: boolean) => void;

/** A request body held back while the request is checked, then streamed to one sink. */
export interface PausedBody {
  /** Hands queued and later chunks to `sink`, in order, and lets the socket read on. */
  start(sink: BodySink): void;
  /** The request was refused: read and drop the rest, so nothing piles up in memory. */
  discard(): void;
}

/**
 * uWS wants onData attached before the handler's first await, and checking a PATCH (session,
 * offset) needs several. So the body is attached at once and the socket paused: only what was
 * already in flight queues here, a few TCP segments, never the upload. Chunks are copied, since
 * uWS reuses their memory after the callback.
 */
export function pauseBody(res: HttpResponse): PausedBody {
  const queued: [Buffer, boolean][] = [];
  let sink: BodySink | null = null;
  res.onData((chunk, isLast) => {
    const copy = Buffer.from(new Uint8Array(chunk));
    if (sink === null) queued.push([copy, isLast]);
    else sink(copy, isLast);
  });
  res.pause();
  const begin = (next: BodySink) => {
    sink = next;
    for (const [chunk, isLast] of queued.splice(0)) next(chunk, isLast);
    res.resume();
  };
  return {
    start: begin,
    discard: () => {
      begin(() => undefined);
    },
  };
}
