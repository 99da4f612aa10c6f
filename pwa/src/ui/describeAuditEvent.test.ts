import { createRoot, createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { SECURITY_EVENT_TYPES } from '@vaultroom/shared';
import type { Locale } from '../core/preferences/locales.js';
import { createTranslator } from '../state/createTranslator.js';
import { describeAuditEvent } from './describeAuditEvent.js';

function translators() {
  return createRoot(() => {
    const [locale, setLocale] = createSignal<Locale>('en');
    return { t: createTranslator(locale), setLocale };
  });
}

describe('security events in plain words', () => {
  it('names every event type the relay records, in English and French', () => {
    const { t, setLocale } = translators();
    for (const locale of ['en', 'fr'] as const) {
      setLocale(locale);
      const unknown = t('audit.unknown');
      for (const type of SECURITY_EVENT_TYPES) {
        const text = describeAuditEvent(t, { type, userAgent: null });
        expect(text, `${locale} ${type}`).not.toBe(unknown);
        expect(text, `${locale} ${type}`).not.toContain('_');
      }
    }
  });

  it('says where a sign-in happened', () => {
    const { t } = translators();
    expect(
      describeAuditEvent(t, { type: 'authn_login_success', userAgent: 'Chrome on Linux' }),
    ).toBe('Signed in on Chrome on Linux');
    expect(describeAuditEvent(t, { type: 'authn_login_success', userAgent: null })).toBe(
      'Signed in',
    );
  });

  it('says how many refusals one counted event stands for', () => {
    const { t, setLocale } = translators();
    const event = { type: 'origin_refused', userAgent: null, details: { count: 9999 } };
    expect(describeAuditEvent(t, event)).toBe('Request from another site refused (9999 times)');
    expect(describeAuditEvent(t, { ...event, details: { count: 1 } })).toBe(
      'Request from another site refused',
    );
    setLocale('fr');
    expect(describeAuditEvent(t, event)).toBe('Requête d’un autre site refusée (9999 fois)');
  });

  it('falls back to a neutral label for a type it does not know', () => {
    const { t } = translators();
    expect(describeAuditEvent(t, { type: 'quantum_flux', userAgent: 'Chrome on Linux' })).toBe(
      'Other security event',
    );
  });
});
