const MAX_REQUEST_ID = 0xffff_ffff;

/**
 * Request ids 1 … 2³²−1 (§2.2), wrapping, never one still in flight: a reply must name exactly one
 * request. The counter runs across connections, so a late reply from an old connection cannot be
 * mistaken for a new request's.
 */
export function createRequestIds(inFlight: (id: number) => boolean, start = 1): () => number {
  let next = start;
  return () => {
    for (;;) {
      const id = next;
      next = next >= MAX_REQUEST_ID ? 1 : next + 1;
      if (!inFlight(id)) return id;
    }
  };
}
