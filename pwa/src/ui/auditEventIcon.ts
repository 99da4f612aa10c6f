import type { AuditEventView } from '@vaultroom/shared';
import type { IconName } from './components/Icon.js';

/** A picture for an event's kind: passkeys and sign-ins, sessions, or anything else. */
export function auditEventIcon(event: Pick<AuditEventView, 'type' | 'outcome'>): IconName {
  if (event.outcome === 'failure') return 'warning';
  if (event.type.startsWith('authn_')) return 'key';
  if (event.type.startsWith('session_') || event.type.startsWith('device_')) return 'device';
  return 'shield';
}
