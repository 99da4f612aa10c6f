import { describe, expect, it } from 'vitest';
import { chooseLocale } from './chooseLocale.js';

describe('chooseLocale', () => {
  it('keeps a saved choice over the browser languages', () => {
    expect(chooseLocale('fr', ['en-US', 'en'])).toBe('fr');
  });

  it('ignores a saved value that is not an offered language', () => {
    expect(chooseLocale('de', ['fr-FR'])).toBe('fr');
  });

  it('takes the first browser language it translates into, by primary subtag', () => {
    expect(chooseLocale(null, ['de-DE', 'fr-CA', 'en'])).toBe('fr');
    expect(chooseLocale(null, ['EN-gb', 'fr'])).toBe('en');
  });

  it('falls back to English', () => {
    expect(chooseLocale(null, [])).toBe('en');
    expect(chooseLocale(null, ['ja', 'de'])).toBe('en');
  });
});
