import { flatten } from '@solid-primitives/i18n';
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { fr } from './fr.js';

const placeholders = (text: string) =>
  [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();

describe('the French dictionary', () => {
  const english = flatten(en) as Record<string, unknown>;
  const french = flatten(fr) as Record<string, unknown>;

  it('has exactly the English keys', () => {
    expect(Object.keys(french).sort()).toEqual(Object.keys(english).sort());
  });

  it('fills in the same values as English, and no text is empty', () => {
    for (const [key, text] of Object.entries(english)) {
      if (typeof text !== 'string') continue;
      const translated = french[key];
      expect(typeof translated, key).toBe('string');
      expect((translated as string).trim(), key).not.toBe('');
      expect(placeholders(translated as string), key).toEqual(placeholders(text));
    }
  });

  it('puts a no-break space before a colon, as French typography wants', () => {
    for (const [key, text] of Object.entries(french)) {
      if (typeof text === 'string') expect(text, key).not.toMatch(/[^\u00a0\u202f]:/);
    }
  });
});
