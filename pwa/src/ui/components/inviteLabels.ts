import type { InviteView, Role } from '@vaultroom/shared';
import type { Translate } from '../../state/createTranslator.js';

/** The choices the invite form offers. */
export const INVITE_USES = [1, 5, 25, 100] as const;
export const INVITE_EXPIRY_HOURS = [24, 72, 168, 720] as const;

export type InviteStatus = 'active' | 'used' | 'expired' | 'revoked';

export function inviteStatus(invite: InviteView, now: number): InviteStatus {
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.uses >= invite.maxUses) return 'used';
  if (Date.parse(invite.expiresAt) <= now) return 'expired';
  return 'active';
}

export const roleName = (t: Translate, value: Role): string =>
  value === 'admin' ? t('admin.invites.roleAdmin') : t('admin.invites.roleMember');

export const expiryLabel = (t: Translate, hours: number): string =>
  hours < 24
    ? t('admin.invites.hours', { count: String(hours) })
    : hours === 24
      ? t('admin.invites.day')
      : t('admin.invites.days', { count: String(hours / 24) });

export function inviteStatusLabel(t: Translate, status: InviteStatus): string {
  switch (status) {
    case 'active':
      return t('admin.invites.statusActive');
    case 'used':
      return t('admin.invites.statusUsed');
    case 'expired':
      return t('admin.invites.statusExpired');
    case 'revoked':
      return t('admin.invites.statusRevoked');
  }
}
