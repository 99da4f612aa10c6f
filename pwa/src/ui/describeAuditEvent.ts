import type { AuditEventView } from '@vaultroom/shared';
import { isSecurityEventType } from '@vaultroom/shared';
import type { Translate } from '../state/createTranslator.js';

/**
 * An event in plain words ("Signed in on Chrome on Linux"), in the interface language. Types the
 * app does not know yet get a neutral label rather than the relay's internal name.
 */
export function describeAuditEvent(
  t: Translate,
  event: Pick<AuditEventView, 'type' | 'userAgent'> & {
    readonly details?: AuditEventView['details'];
  },
): string {
  const text = describeOnce(t, event);
  // Refusals are counted rather than logged one by one: one event may stand for many.
  const count = event.details?.['count'];
  return typeof count === 'number' && count > 1
    ? t('audit.repeated', { text, count: String(count) })
    : text;
}

function describeOnce(t: Translate, event: Pick<AuditEventView, 'type' | 'userAgent'>): string {
  const device = event.userAgent;
  if (device !== null && device !== '') {
    if (event.type === 'authn_login_success') return t('audit.signedInOn', { device });
    if (event.type === 'session_created') return t('audit.sessionOn', { device });
  }
  return isSecurityEventType(event.type) ? t(`audit.events.${event.type}`) : t('audit.unknown');
}

/** The label of an event type on its own, for filters. */
export function auditEventTypeLabel(t: Translate, type: string): string {
  return isSecurityEventType(type) ? t(`audit.events.${type}`) : t('audit.unknown');
}
