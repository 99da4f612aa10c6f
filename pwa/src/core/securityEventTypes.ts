/**
 * The security event types the relay records (its `SecurityEventType`), in the order the admin
 * filter lists them. The relay may add more: an unknown type is shown with a neutral label.
 */
export const SECURITY_EVENT_TYPES = [
  'authn_login_success',
  'authn_login_fail',
  'authn_passkey_added',
  'authn_passkey_renamed',
  'authn_passkey_removed',
  'authn_recovery_used',
  'session_created',
  'session_revoked',
  'session_expired',
  'session_ended',
  'user_created',
  'user_disabled',
  'user_enabled',
  'user_deleted',
  'user_role_changed',
  'invite_created',
  'invite_redeemed',
  'invite_revoked',
  'device_added',
  'device_revoked',
  'registration_fail',
  'ratelimit_exceeded',
  'origin_refused',
  'session_upgrade_refused',
  'malformed_frame',
  'relay_started',
  'relay_stopped',
  'config_changed',
  'audit_pruned',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(SECURITY_EVENT_TYPES);

export function isSecurityEventType(type: string): type is SecurityEventType {
  return KNOWN.has(type);
}
