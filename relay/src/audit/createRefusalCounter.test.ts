import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRefusalCounter, type Refusal } from './createRefusalCounter.js';
import type { SecurityEvent } from './recordSecurityEvent.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-05T10:00:00Z');

function setup(maxKeysPerMinute?: number) {
  const events: SecurityEvent[] = [];
  let clock = T0;
  const counter = createRefusalCounter({
    record: (event) => {
      events.push(event);
      return Promise.resolve();
    },
    now: () => clock,
    ...(maxKeysPerMinute === undefined ? {} : { maxKeysPerMinute }),
  });
  return {
    counter,
    events,
    at: (ms: number) => {
      clock = T0 + ms;
    },
  };
}

const refusal = (client: string, details: Refusal['details'] = { path: '/api/x' }): Refusal => ({
  type: 'origin_refused',
  outcome: 'failure',
  client,
  userAgent: 'Chrome on Linux',
  details,
});

const totalCount = (events: readonly SecurityEvent[]) =>
  events.reduce((sum, event) => sum + Number(event.details?.['count'] ?? 0), 0);

describe('createRefusalCounter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records the first refusal of a client at once and the rest of its minute as one count', async () => {
    const { counter, events, at } = setup();
    counter.refuse(refusal('tag-a'));
    expect(events).toEqual([{ ...refusal('tag-a'), details: { path: '/api/x', count: 1 } }]);
    for (let i = 1; i < 10_000; i++) {
      at(i);
      counter.refuse(refusal('tag-a'));
    }
    expect(events).toHaveLength(1);
    at(MINUTE);
    await counter.flushEnded();
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      type: 'origin_refused',
      outcome: 'failure',
      client: 'tag-a',
      userAgent: 'Chrome on Linux',
      details: {
        path: '/api/x',
        count: 9_999,
        first: new Date(T0 + 1).toISOString(),
        last: new Date(T0 + 9_999).toISOString(),
      },
    });
    await counter.close();
    expect(events).toHaveLength(2);
  });

  it('keeps event types, clients and minutes apart', async () => {
    const { counter, events, at } = setup();
    counter.refuse(refusal('tag-a'));
    counter.refuse(refusal('tag-b'));
    counter.refuse({ ...refusal('tag-a'), type: 'ratelimit_exceeded' });
    at(MINUTE);
    counter.refuse(refusal('tag-a'));
    expect(events.map((event) => [event.type, event.client])).toEqual([
      ['origin_refused', 'tag-a'],
      ['origin_refused', 'tag-b'],
      ['ratelimit_exceeded', 'tag-a'],
      ['origin_refused', 'tag-a'],
    ]);
    await counter.close();
    expect(events).toHaveLength(4);
  });

  it('keeps only what all counted refusals share, never one of them for the rest', async () => {
    const { counter, events } = setup();
    counter.refuse(refusal('tag-a', { path: '/api/one', reason: 'origin' }));
    counter.refuse(refusal('tag-a', { path: '/api/two', reason: 'origin' }));
    counter.refuse({
      ...refusal('tag-a', { path: '/api/three', reason: 'origin' }),
      userAgent: null,
    });
    await counter.close();
    expect(events[1]?.details).toMatchObject({ reason: 'origin', count: 2 });
    expect(events[1]?.details).not.toHaveProperty('path');
    expect(events[1]?.userAgent).toBeNull();
  });

  it('gives at most the cap of clients events of their own a minute, and counts the others together', async () => {
    const { counter, events, at } = setup(5);
    for (let i = 0; i < 10_000; i++) {
      at(i % 1000);
      counter.refuse(refusal(`tag-${i % 100}`));
    }
    expect(events).toHaveLength(5);
    await counter.close();
    // Five first refusals, five counts of their later ones, one count for the other 95 clients.
    expect(events).toHaveLength(11);
    const overflow = events.filter((event) => event.details?.['overflow'] === true);
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toMatchObject({ client: null, details: { clients: 95, count: 9_500 } });
    expect(totalCount(events)).toBe(10_000);
  });

  it('records what is counted when the minute ends, without being asked', async () => {
    vi.useFakeTimers({ now: T0 });
    const events: SecurityEvent[] = [];
    const counter = createRefusalCounter({
      record: (event) => {
        events.push(event);
        return Promise.resolve();
      },
    });
    counter.refuse(refusal('tag-a'));
    counter.refuse(refusal('tag-a'));
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(events).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toHaveLength(2);
    expect(events[1]?.details?.['count']).toBe(1);
    await counter.close();
  });

  it('loses nothing counted when closed, and counts nothing after', async () => {
    const { counter, events } = setup();
    for (let i = 0; i < 3; i++) counter.refuse(refusal('tag-a'));
    await counter.close();
    counter.refuse(refusal('tag-a'));
    expect(totalCount(events)).toBe(3);
  });
});
