import { describe, expect, it } from 'vitest';
import { splitHandles } from './splitHandles.js';

describe('splitHandles', () => {
  it('splits at commas, semicolons and spaces and drops the @', () => {
    expect(splitHandles(' @bob, carol;dave\n  @Eve ')).toEqual(['bob', 'carol', 'dave', 'Eve']);
  });

  it('gives nothing for an empty or blank field', () => {
    expect(splitHandles('')).toEqual([]);
    expect(splitHandles(' ,; @ ')).toEqual([]);
  });
});
