/** `system` follows `prefers-color-scheme`; the others pin the theme. */
export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const;

export type ThemePreference = (typeof THEME_PREFERENCES)[number];

export type Theme = Exclude<ThemePreference, 'system'>;

/** A stored value as a preference; anything unknown (or nothing) means `system`. */
export function parseThemePreference(value: string | null): ThemePreference {
  return (THEME_PREFERENCES as readonly (string | null)[]).includes(value)
    ? (value as ThemePreference)
    : 'system';
}

/**
 * Browser chrome colours per theme (`theme-color`), equal to each theme's header background in
 * the style sheets. The manifest uses the light one.
 */
export const THEME_COLORS: Readonly<Record<Theme, string>> = {
  light: '#ffffff',
  dark: '#1a1d21',
};
