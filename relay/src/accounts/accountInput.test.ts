import { describe, expect, it } from 'vitest';
import { parseDisplayName, parseHandle } from './accountInput.js';

describe('parseHandle', () => {
  it('keeps the spelling and derives a case-insensitive key', () => {
    expect(parseHandle('Alice_B')).toEqual({ handle: 'Alice_B', key: 'alice_b' });
  });

  it.each(['ab', '1alice', 'a'.repeat(33), 'al ice', 'alïce', '', 42])('refuses %j', (value) => {
    expect(() => parseHandle(value)).toThrow(/A handle is 3 to 32/);
  });
});

describe('parseDisplayName', () => {
  it('trims and normalises', () => {
    expect(parseDisplayName('  Zoe\u0301 ')).toBe('Zoé');
  });

  it.each(['', '   ', 'x'.repeat(65), 'evil\u202Egnp.exe', 'a\nb', null])('refuses %j', (value) => {
    expect(() => parseDisplayName(value)).toThrow(/A display name must be/);
  });
});
