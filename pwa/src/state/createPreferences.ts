import { createEffect, createSignal, type Accessor } from 'solid-js';
import { chooseLocale } from '../core/preferences/chooseLocale.js';
import type { Locale } from '../core/preferences/locales.js';
import { parseThemePreference, type ThemePreference } from '../core/preferences/themePreference.js';
import type { PreferenceStorage } from '../core/ports.js';

export interface PreferencesOptions {
  readonly storage: PreferenceStorage;
  /** The browser's preferred languages, best first (`navigator.languages`). */
  readonly browserLanguages: readonly string[];
  readonly applyTheme: (preference: ThemePreference) => void;
  readonly applyLocale: (locale: Locale) => void;
}

export interface Preferences {
  readonly theme: Accessor<ThemePreference>;
  readonly setTheme: (preference: ThemePreference) => void;
  readonly locale: Accessor<Locale>;
  readonly setLocale: (locale: Locale) => void;
}

/**
 * Theme and language: read from storage once, saved when the user changes them, and applied to the
 * document whenever they change. The language is saved only once chosen, so until then it keeps
 * following the browser.
 */
export function createPreferences(options: PreferencesOptions): Preferences {
  const { storage, browserLanguages, applyTheme, applyLocale } = options;
  const [theme, setThemeSignal] = createSignal(parseThemePreference(storage.read('theme')));
  const [locale, setLocaleSignal] = createSignal(
    chooseLocale(storage.read('locale'), browserLanguages),
  );

  createEffect(() => {
    applyTheme(theme());
  });
  createEffect(() => {
    applyLocale(locale());
  });

  return {
    theme,
    setTheme(preference) {
      storage.write('theme', preference);
      setThemeSignal(preference);
    },
    locale,
    setLocale(next) {
      storage.write('locale', next);
      setLocaleSignal(next);
    },
  };
}
