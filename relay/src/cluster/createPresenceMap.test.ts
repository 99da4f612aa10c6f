import { describe, expect, it } from 'vitest';
import { createPresenceMap } from './createPresenceMap.js';

describe('createPresenceMap', () => {
  it('holds a device while any node announces it, and lets go when the last says it is gone', () => {
    const clock = { now: 0 };
    const map = createPresenceMap({ ttlMs: 100, now: () => clock.now });
    map.seen('n1', ['bob']);
    map.seen('n2', ['bob']);
    map.gone('n1', ['bob']);
    expect(map.has('bob')).toBe(true);
    map.gone('n2', ['bob']);
    expect(map.has('bob')).toBe(false);
  });

  it('forgets what a silent node announced once its entries are older than the TTL', () => {
    const clock = { now: 0 };
    const map = createPresenceMap({ ttlMs: 100, now: () => clock.now });
    map.seen('crashed', ['bob']);
    map.seen('alive', ['carol']);
    clock.now = 90;
    map.seen('alive', ['carol']); // its heartbeat
    clock.now = 150;
    expect(map.has('bob')).toBe(false);
    expect(map.has('carol')).toBe(true);
    map.prune();
    clock.now = 151;
    map.seen('alive', ['carol']);
    expect(map.has('bob')).toBe(false);
  });

  it('drops every device of a node that said goodbye', () => {
    const map = createPresenceMap({ ttlMs: 100, now: () => 0 });
    map.seen('n1', ['bob', 'carol']);
    map.seen('n2', ['carol']);
    map.forgetNode('n1');
    expect(map.has('bob')).toBe(false);
    expect(map.has('carol')).toBe(true);
  });
});
