/**
 * Runs tasks one at a time, in order. The ratchet loads a session, advances it and stores it
 * across awaits: two interleaved operations on one session could reuse a message key. Records
 * are read, changed and written back the same way: two interleaved operations on one
 * conversation would lose one's change. So every operation that writes goes through one queue.
 * A failed task does not stop the next.
 */
export interface SerialQueue {
  <T>(task: () => Promise<T>): Promise<T>;
  /** Resolves once no task is queued or running, tasks queued meanwhile included. */
  whenIdle(): Promise<void>;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  let idle: (() => void)[] = [];
  const finished = (): void => {
    pending -= 1;
    if (pending > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };
  const queue = <T>(task: () => Promise<T>): Promise<T> => {
    pending += 1;
    const run = tail.then(task, task);
    tail = run.catch(() => undefined).finally(finished);
    return run;
  };
  return Object.assign(queue, {
    whenIdle: (): Promise<void> =>
      pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve)),
  });
}
