import { flatten, resolveTemplate, translator, type Translator } from '@solid-primitives/i18n';
import type { Accessor } from 'solid-js';
import type { Locale } from '../core/preferences/locales.js';
import { en, type Dictionary } from '../i18n/en.js';
import { fr } from '../i18n/fr.js';

export type FlatDictionary = ReturnType<typeof flatten<Dictionary>>;

/** Both dictionaries are small, so both ship in the bundle, flattened once. */
const dictionaries: Readonly<Record<Locale, FlatDictionary>> = {
  en: flatten(en),
  fr: flatten(fr),
};

/** `t('settings.about.title')`, `t('relay.connected', { version })`, in the current language. */
export type Translate = Translator<FlatDictionary>;

/** A translator that follows `locale`: each call reads it, so callers in JSX update on change. */
export function createTranslator(locale: Accessor<Locale>): Translate {
  return translator(() => dictionaries[locale()], resolveTemplate);
}
