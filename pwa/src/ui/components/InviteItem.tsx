import type { InviteView } from '@vaultroom/shared';
import type { JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { useApp } from '../../state/AppContext.js';
import { inviteStatus, inviteStatusLabel, roleName } from './inviteLabels.js';
import { ListRow } from './ListRow.js';

/** One invite in the admin list: what it is for, its status and use, and revoke while active. */
export function InviteItem(props: {
  readonly invite: InviteView;
  readonly onRevoke: () => void;
}): JSX.Element {
  const { t, preferences } = useApp();
  const date = (iso: string) => formatDateTime(iso, preferences.locale());
  const status = () => inviteStatus(props.invite, Date.now());
  return (
    <ListRow
      data-status={status()}
      showActions={status() === 'active'}
      actions={
        <>
          <button
            type="button"
            class="button button--ghost button--compact button--danger-text"
            aria-label={t('admin.invites.revokeNamed', {
              date: date(props.invite.createdAt),
            })}
            onClick={() => {
              props.onRevoke();
            }}
          >
            {t('admin.invites.revoke')}
          </button>
        </>
      }
    >
      <p class="item__title">
        <span>
          {props.invite.kind === 'recovery'
            ? t('admin.invites.kindRecovery', {
                handle: props.invite.forHandle ?? '?',
              })
            : t('admin.invites.kindRegister', { role: roleName(t, props.invite.role) })}
        </span>
        <span class={status() === 'active' ? 'tag tag--ok' : 'tag'}>
          {inviteStatusLabel(t, status())}
        </span>
      </p>
      <p class="item__meta">
        <span>
          {t('admin.invites.usage', {
            uses: String(props.invite.uses),
            max: String(props.invite.maxUses),
          })}
        </span>
        <span>{t('admin.invites.expiresOn', { date: date(props.invite.expiresAt) })}</span>
      </p>
    </ListRow>
  );
}
