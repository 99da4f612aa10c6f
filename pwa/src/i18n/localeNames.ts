import type { Locale } from '../core/preferences/locales.js';

/** Each language named in itself, so people can find theirs whatever the current language. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  fr: 'Français',
};
