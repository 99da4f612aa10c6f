import { describe, expect, it } from 'vitest';
import { createHandshakeBudget } from './handshakeBudget.js';

describe('the budget of failed first messages', () => {
  it('allows an account its failures in a window, then refuses it until they age out', () => {
    const budget = createHandshakeBudget(3, 1000);
    for (let at = 0; at < 3; at++) {
      expect(budget.allows('mallory', at)).toBe(true);
      budget.spend('mallory', at);
    }
    expect(budget.allows('mallory', 10)).toBe(false);
    expect(budget.allows('alice', 10)).toBe(true);
    expect(budget.allows('mallory', 999)).toBe(false);
    expect(budget.allows('mallory', 1000)).toBe(true); // the first failure aged out
    expect(budget.allows('mallory', 1002)).toBe(true);
  });

  it('stays small: accounts beyond the tracked number forget the least recent', () => {
    const budget = createHandshakeBudget(1, 1_000_000);
    budget.spend('first', 0);
    for (let i = 0; i < 1000; i++) budget.spend(`account${String(i)}`, 1);
    expect(budget.allows('account999', 2)).toBe(false);
    expect(budget.allows('first', 2)).toBe(true);
  });
});
