/**
 * Joins small pieces (a network stream's, often a few KiB) into pieces of about `bytes`, so a
 * writer makes one write, and the browser one blob, per batch rather than per network read. If
 * the source fails, what was joined so far is still yielded before the error: every byte handed
 * over was already checked by the caller, and an interrupted download keeps it.
 */
export async function* batchPieces(
  pieces: AsyncIterable<Uint8Array>,
  bytes: number,
): AsyncIterable<Uint8Array> {
  let batch = new Uint8Array(bytes);
  let filled = 0;
  const take = (): Uint8Array => {
    const full = batch.subarray(0, filled);
    batch = new Uint8Array(bytes);
    filled = 0;
    return full;
  };
  try {
    for await (const piece of pieces) {
      let at = 0;
      while (at < piece.length) {
        const length = Math.min(bytes - filled, piece.length - at);
        batch.set(piece.subarray(at, at + length), filled);
        filled += length;
        at += length;
        if (filled === bytes) yield take();
      }
    }
  } catch (error) {
    if (filled > 0) yield take();
    throw error;
  }
  if (filled > 0) yield take();
}
