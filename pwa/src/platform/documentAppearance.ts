import { THEME_COLORS, type ThemePreference } from '../core/preferences/themePreference.js';
import type { Locale } from '../core/preferences/locales.js';

/**
 * Applies a theme preference to the page: `data-theme` on the root element pins the style sheets'
 * light or dark variables (no attribute means follow `prefers-color-scheme`), and the
 * `theme-color` metas are pinned to match so the browser chrome agrees with the page.
 */
export function applyThemePreference(preference: ThemePreference): void {
  const root = document.documentElement;
  if (preference === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', preference);

  for (const meta of document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]')) {
    const scheme = meta.media.includes('dark') ? 'dark' : 'light';
    meta.content = THEME_COLORS[preference === 'system' ? scheme : preference];
  }
}

/** Sets the document language, which screen readers, hyphenation and spell-check follow. */
export function applyLocale(locale: Locale): void {
  document.documentElement.lang = locale;
}
