import { describe, expect, it } from 'vitest';
import { parseThemePreference } from './themePreference.js';

describe('parseThemePreference', () => {
  it('reads each stored preference back', () => {
    expect(parseThemePreference('system')).toBe('system');
    expect(parseThemePreference('light')).toBe('light');
    expect(parseThemePreference('dark')).toBe('dark');
  });

  it('treats a missing or unknown value as system', () => {
    expect(parseThemePreference(null)).toBe('system');
    expect(parseThemePreference('sepia')).toBe('system');
    expect(parseThemePreference('')).toBe('system');
  });
});
