/**
 * Runs tasks one at a time, in order. The ratchet loads a session, advances it and stores it
 * across awaits: two interleaved operations on one session could reuse a message key. Records
 * are read, changed and written back the same way: two interleaved operations on one
 * conversation would lose one's change. So every operation that writes goes through one queue.
 * A failed task does not stop the next.
 */
export function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
