import type { InviteView, Role, UserView } from '@vaultroom/shared';
import { For, Show, createResource, createSignal, type JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { withInviteLogKey } from '../../core/account/readInviteFragment.js';
import { useApp } from '../../state/AppContext.js';
import { AuditLogSection } from '../components/AuditLogSection.js';
import { Icon } from '../components/Icon.js';
import { InviteItem } from '../components/InviteItem.js';
import { InviteLinkPanel } from '../components/InviteLinkPanel.js';
import {
  INVITE_EXPIRY_HOURS as EXPIRY_HOURS,
  INVITE_USES as USES,
  expiryLabel as expiryLabelIn,
  roleName as roleNameIn,
} from '../components/inviteLabels.js';
import { ResourceView } from '../components/ResourceView.js';
import { StaleDevicesSection } from '../components/StaleDevicesSection.js';
import { describeError } from '../describeError.js';
import { useDocumentTitle } from '../useDocumentTitle.js';
import { ConfirmChoice } from '../components/ConfirmChoice.js';
import { ListRow } from '../components/ListRow.js';

interface ShownLink {
  readonly title: string;
  readonly note: string;
  readonly link: string;
}

/**
 * Administration: invites (create, see once, revoke), users (disable, delete, recover), devices
 * not seen lately, and the audit log.
 */
export function AdminScreen(): JSX.Element {
  const { t, api, session, preferences, chat } = useApp();
  useDocumentTitle(
    () => t('admin.title'),
    () => t('app.titleSuffix'),
  );
  const date = (iso: string) => formatDateTime(iso, preferences.locale());
  const guard = async <T,>(load: () => Promise<T>): Promise<T> => {
    try {
      return await load();
    } catch (error) {
      throw session.noticeError(error);
    }
  };
  const [invites, { refetch: refetchInvites }] = createResource(() =>
    guard(async () => (await api.invites()).invites),
  );
  const [users, { refetch: refetchUsers }] = createResource(() =>
    guard(async () => (await api.users()).users),
  );

  const [role, setRole] = createSignal<Role>('member');
  const [uses, setUses] = createSignal<number>(1);
  const [hours, setHours] = createSignal<number>(72);
  const [creating, setCreating] = createSignal(false);
  const [shown, setShown] = createSignal<ShownLink | null>(null);
  const [inviteError, setInviteError] = createSignal<string | null>(null);
  const [userError, setUserError] = createSignal<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const roleName = (value: Role) => roleNameIn(t, value);
  /**
   * The link with the log key this device trusts (PROTOCOL.md §1.8.3): the person joining then
   * checks the relay's log with the key their inviter's device checks, not one the relay picks.
   */
  const withTrustedLogKey = (link: string): string =>
    withInviteLogKey(link, chat.trustedLog()?.linkKey ?? null);
  const expiryLabel = (value: number) => expiryLabelIn(t, value);

  const createInvite = async (): Promise<void> => {
    setCreating(true);
    setInviteError(null);
    try {
      const created = await api.createInvite({
        role: role(),
        maxUses: uses(),
        expiresInHours: hours(),
      });
      setShown({
        title: t('admin.invites.linkTitle'),
        note: t('admin.invites.linkOnce'),
        link: withTrustedLogKey(created.link),
      });
      void refetchInvites();
    } catch (caught) {
      session.noticeError(caught);
      setInviteError(describeError(t, caught));
    } finally {
      setCreating(false);
    }
  };

  const revokeInvite = async (invite: InviteView): Promise<void> => {
    setInviteError(null);
    try {
      await api.revokeInvite(invite.id);
      void refetchInvites();
    } catch (caught) {
      session.noticeError(caught);
      setInviteError(describeError(t, caught));
    }
  };

  const userAction = async (action: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setUserError(null);
    try {
      await action();
      void refetchUsers();
    } catch (caught) {
      session.noticeError(caught);
      setUserError(describeError(t, caught));
    } finally {
      setBusy(false);
    }
  };

  const recoveryLink = (user: UserView) =>
    userAction(async () => {
      const created = await api.recoveryInvite(user.id);
      setShown({
        title: t('admin.invites.recoveryLinkTitle', { handle: user.handle }),
        note: t('admin.invites.recoveryLinkOnce'),
        link: withTrustedLogKey(created.link),
      });
      void refetchInvites();
    });

  return (
    <div class="screen screen--settings">
      <h1 class="screen__title">{t('admin.title')}</h1>

      <Show when={shown()}>
        {(link) => (
          <InviteLinkPanel
            title={link().title}
            note={link().note}
            link={link().link}
            onDone={() => setShown(null)}
          />
        )}
      </Show>

      <section class="settings-section" aria-labelledby="invites-title">
        <h2 id="invites-title" class="settings-section__title">
          {t('admin.invites.title')}
        </h2>
        <p class="settings-section__intro">{t('admin.invites.intro')}</p>
        <form
          class="invite-form"
          onSubmit={(event) => {
            event.preventDefault();
            void createInvite();
          }}
        >
          <div class="field">
            <label class="field__label" for="invite-role">
              {t('admin.invites.role')}
            </label>
            <select
              id="invite-role"
              class="field__input field__select"
              value={role()}
              onChange={(event) =>
                setRole(event.currentTarget.value === 'admin' ? 'admin' : 'member')
              }
            >
              <option value="member">{t('admin.invites.roleMember')}</option>
              <option value="admin">{t('admin.invites.roleAdmin')}</option>
            </select>
          </div>
          <div class="field">
            <label class="field__label" for="invite-uses">
              {t('admin.invites.uses')}
            </label>
            <select
              id="invite-uses"
              class="field__input field__select"
              value={String(uses())}
              onChange={(event) => setUses(Number(event.currentTarget.value))}
            >
              <For each={USES}>{(value) => <option value={String(value)}>{value}</option>}</For>
            </select>
          </div>
          <div class="field">
            <label class="field__label" for="invite-expiry">
              {t('admin.invites.expiry')}
            </label>
            <select
              id="invite-expiry"
              class="field__input field__select"
              value={String(hours())}
              onChange={(event) => setHours(Number(event.currentTarget.value))}
            >
              <For each={EXPIRY_HOURS}>
                {(value) => <option value={String(value)}>{expiryLabel(value)}</option>}
              </For>
            </select>
          </div>
          <button
            type="submit"
            class="button button--primary invite-form__submit"
            disabled={creating()}
            aria-busy={creating()}
          >
            <Icon name="plus" />
            {creating() ? t('admin.invites.creating') : t('admin.invites.create')}
          </button>
        </form>
        <Show when={inviteError()}>
          {(text) => (
            <p class="form__error settings-section__error" role="alert">
              {text()}
            </p>
          )}
        </Show>
        <h3 class="settings-section__subtitle">{t('admin.invites.list')}</h3>
        <ResourceView
          resource={invites}
          loadError={() => t('admin.invites.loadError')}
          onRetry={() => void refetchInvites()}
          empty={t('admin.invites.empty')}
          isEmpty={(value) => value.length === 0}
        >
          {(items) => (
            <ul class="item-list" aria-label={t('admin.invites.list')}>
              <For each={items()}>
                {(invite) => (
                  <InviteItem invite={invite} onRevoke={() => void revokeInvite(invite)} />
                )}
              </For>
            </ul>
          )}
        </ResourceView>
      </section>

      <section class="settings-section" aria-labelledby="users-title">
        <h2 id="users-title" class="settings-section__title">
          {t('admin.users.title')}
        </h2>
        <Show when={userError()}>
          {(text) => (
            <p class="form__error settings-section__error" role="alert">
              {text()}
            </p>
          )}
        </Show>
        <ResourceView
          resource={users}
          loadError={() => t('admin.users.loadError')}
          onRetry={() => void refetchUsers()}
        >
          {(items) => (
            <ul class="item-list" aria-labelledby="users-title">
              <For each={items()}>
                {(user) => {
                  const self = () => session.account()?.id === user.id;
                  return (
                    <ListRow
                      wrap
                      data-status={user.status}
                      showActions={!self() && confirmingDelete() !== user.id}
                      leading={
                        <span class="avatar avatar--small" aria-hidden="true">
                          {user.displayName.slice(0, 1).toUpperCase()}
                        </span>
                      }
                      actions={
                        <>
                          <button
                            type="button"
                            class="button button--ghost button--compact"
                            disabled={busy()}
                            aria-label={t('admin.users.recoveryNamed', { handle: user.handle })}
                            onClick={() => void recoveryLink(user)}
                          >
                            {t('admin.users.recovery')}
                          </button>
                          <Show
                            when={user.status === 'active'}
                            fallback={
                              <button
                                type="button"
                                class="button button--ghost button--compact"
                                disabled={busy()}
                                aria-label={t('admin.users.enableNamed', { handle: user.handle })}
                                onClick={() => void userAction(() => api.enableUser(user.id))}
                              >
                                {t('admin.users.enable')}
                              </button>
                            }
                          >
                            <button
                              type="button"
                              class="button button--ghost button--compact"
                              disabled={busy()}
                              aria-label={t('admin.users.disableNamed', { handle: user.handle })}
                              onClick={() => void userAction(() => api.disableUser(user.id))}
                            >
                              {t('admin.users.disable')}
                            </button>
                          </Show>
                          <button
                            type="button"
                            class="button button--ghost button--compact button--danger-text"
                            disabled={busy()}
                            aria-label={t('admin.users.deleteNamed', { handle: user.handle })}
                            onClick={() => setConfirmingDelete(user.id)}
                          >
                            {t('admin.users.delete')}
                          </button>
                        </>
                      }
                    >
                      <p class="item__title">
                        <span>{user.displayName}</span>
                        <span class="item__handle">@{user.handle}</span>
                        <Show when={self()}>
                          <span class="tag tag--accent">{t('admin.users.you')}</span>
                        </Show>
                      </p>
                      <p class="item__meta">
                        <span>{roleName(user.role)}</span>
                        <span class={user.status === 'disabled' ? 'item__warn' : ''}>
                          {user.status === 'active'
                            ? t('admin.users.active')
                            : t('admin.users.disabled')}
                        </span>
                        <span>
                          {user.passkeyCount === 1
                            ? t('admin.users.passkeyOne')
                            : t('admin.users.passkeyCount', {
                                count: String(user.passkeyCount),
                              })}
                        </span>
                        <span>
                          {user.lastSignInAt === null
                            ? t('admin.users.neverSignedIn')
                            : t('admin.users.lastSignIn', { date: date(user.lastSignInAt) })}
                        </span>
                      </p>
                      <Show when={confirmingDelete() === user.id}>
                        <ConfirmChoice
                          id={`delete-${user.id}`}
                          question={t('admin.users.confirmDelete', { handle: user.handle })}
                          confirmLabel={t('admin.users.confirmDeleteButton')}
                          busy={busy()}
                          onConfirm={() =>
                            void userAction(async () => {
                              await api.deleteUser(user.id);
                              setConfirmingDelete(null);
                            })
                          }
                          onCancel={() => setConfirmingDelete(null)}
                        />
                      </Show>
                    </ListRow>
                  );
                }}
              </For>
            </ul>
          )}
        </ResourceView>
      </section>

      <StaleDevicesSection />

      <AuditLogSection users={() => (users.error === undefined ? users() : undefined)} />
    </div>
  );
}
