import { describe, expect, it } from 'vitest';
import { createSerialQueue } from './createSerialQueue.js';

describe('the serial queue', () => {
  it('runs tasks one at a time, in order, a failure not stopping the next', async () => {
    const serial = createSerialQueue();
    const log: string[] = [];
    const task = (name: string, fail = false) =>
      serial(async () => {
        log.push(`${name} start`);
        await Promise.resolve();
        log.push(`${name} end`);
        if (fail) throw new Error(name);
      });
    const results = await Promise.allSettled([task('a', true), task('b')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('is idle only once the tasks queued meanwhile have finished too', async () => {
    const serial = createSerialQueue();
    await serial.whenIdle(); // idle from the start
    const log: string[] = [];
    void serial(async () => {
      await Promise.resolve();
      void serial(async () => {
        await Promise.resolve();
        log.push('queued by the first');
      });
      log.push('first');
    });
    await serial.whenIdle();
    expect(log).toEqual(['first', 'queued by the first']);
  });
});
