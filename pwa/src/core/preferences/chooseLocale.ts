import { LOCALES, isLocale, type Locale } from './locales.js';

/**
 * The interface language: the one the user picked if it is still offered, otherwise the first of
 * the browser's preferred languages we translate into (matching on the primary subtag, so `fr-CA`
 * gives French), otherwise English.
 */
export function chooseLocale(saved: string | null, preferred: readonly string[]): Locale {
  if (isLocale(saved)) return saved;
  for (const tag of preferred) {
    const primary = tag.split('-')[0]?.toLowerCase();
    if (isLocale(primary)) return primary;
  }
  return LOCALES[0];
}
