import { PASSKEY_NAME_MAX, type PasskeyView } from '@vaultroom/shared';
import { For, Show, createResource, createSignal, type JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { useApp } from '../../state/AppContext.js';
import { describeError } from '../describeError.js';
import { Icon } from './Icon.js';
import { InlineRenameForm } from './InlineRenameForm.js';
import { ResourceView } from './ResourceView.js';
import { ConfirmChoice } from './ConfirmChoice.js';
import { ListRow } from './ListRow.js';

/**
 * The account's passkeys: provider, dates, a "Synced" badge when backed up, inline rename, and
 * remove for all but the last one (the relay refuses that too: it would lock the account out).
 */
export function PasskeysSection(): JSX.Element {
  const { t, api, passkeys, session, preferences, chatLock } = useApp();
  const [list, { refetch }] = createResource(async () => {
    try {
      return (await api.passkeys()).passkeys;
    } catch (error) {
      throw session.noticeError(error);
    }
  });
  const [renaming, setRenaming] = createSignal<string | null>(null);
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const [status, setStatus] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [adding, setAdding] = createSignal(false);
  const date = (iso: string) => formatDateTime(iso, preferences.locale());

  /**
   * A passkey's name as its buttons say it, with its date when another passkey has the same name:
   * a screen reader lists buttons by name, and two "Remove Passkey" cannot be told apart.
   */
  const labelOf = (passkey: PasskeyView): string => {
    const all = list() ?? [];
    if (all.filter((other) => other.name === passkey.name).length < 2) return passkey.name;
    const dated = (other: PasskeyView) =>
      t('settings.passkeys.nameAdded', { name: other.name, date: date(other.createdAt) });
    const alike = all.filter((other) => dated(other) === dated(passkey));
    return alike.length < 2
      ? dated(passkey)
      : `${dated(passkey)} (${String(alike.indexOf(passkey) + 1)})`;
  };

  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    setStatus(null);
    try {
      await action();
      return true;
    } catch (caught) {
      session.noticeError(caught);
      setError(describeError(t, caught));
      return false;
    }
  };

  const add = async (): Promise<void> => {
    setAdding(true);
    setError(null);
    setStatus(null);
    try {
      await passkeys.addPasskey();
      setStatus(t('settings.passkeys.added'));
      session.dismissNotice('single-passkey');
      void refetch();
    } catch (caught) {
      setError(describeError(t, caught) ?? t('settings.passkeys.addCancelled'));
    } finally {
      setAdding(false);
    }
  };

  const saveName = async (passkey: PasskeyView, typed: string): Promise<void> => {
    const name = typed.trim();
    if (name.length === 0 || name.length > PASSKEY_NAME_MAX) {
      setError(t('settings.passkeys.nameInvalid'));
      return;
    }
    if (await run(() => api.renamePasskey(passkey.id, name))) {
      setRenaming(null);
      void refetch();
    }
  };

  const remove = async (passkey: PasskeyView): Promise<void> => {
    if (await run(() => api.removePasskey(passkey.id))) {
      setConfirming(null);
      void refetch();
      // The id is the credential id: its wrap entry on this device goes too, unless the
      // messages here would then open with no passkey at all.
      const outcome = await chatLock.passkeyRemoved(passkey.id).catch(() => 'absent' as const);
      if (outcome === 'last') setStatus(t('settings.passkeys.keptForUnlock'));
    }
  };

  return (
    <section class="settings-section" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title" class="settings-section__title">
        {t('settings.passkeys.title')}
      </h2>
      <p class="settings-section__intro">{t('settings.passkeys.intro')}</p>
      <ResourceView
        resource={list}
        loadError={() => t('settings.passkeys.loadError')}
        onRetry={() => void refetch()}
      >
        {(items) => (
          <ul class="item-list" aria-labelledby="passkeys-title">
            <For each={items()}>
              {(passkey) => (
                <ListRow
                  icon="key"
                  showActions={renaming() !== passkey.id && confirming() !== passkey.id}
                  actions={
                    <>
                      <button
                        type="button"
                        class="button button--ghost button--compact"
                        aria-label={t('settings.passkeys.renameNamed', {
                          name: labelOf(passkey),
                        })}
                        onClick={() => setRenaming(passkey.id)}
                      >
                        {t('settings.passkeys.rename')}
                      </button>
                      <Show when={items().length > 1}>
                        <button
                          type="button"
                          class="button button--ghost button--compact button--danger-text"
                          aria-label={t('settings.passkeys.removeNamed', {
                            name: labelOf(passkey),
                          })}
                          onClick={() => setConfirming(passkey.id)}
                        >
                          {t('settings.passkeys.remove')}
                        </button>
                      </Show>
                    </>
                  }
                >
                  <Show
                    when={renaming() === passkey.id}
                    fallback={
                      <p class="item__title">
                        <span>{passkey.name}</span>
                        <Show when={passkey.backedUp}>
                          <span class="tag tag--ok" title={t('settings.passkeys.syncedHint')}>
                            {t('settings.passkeys.synced')}
                          </span>
                        </Show>
                      </p>
                    }
                  >
                    <InlineRenameForm
                      id={`rename-${passkey.id}`}
                      label={t('settings.passkeys.renameLabel', { name: passkey.name })}
                      initial={passkey.name}
                      maxLength={PASSKEY_NAME_MAX}
                      onSave={(name) => void saveName(passkey, name)}
                      onCancel={() => setRenaming(null)}
                    />
                  </Show>
                  <p class="item__meta">
                    <Show when={passkey.provider}>
                      {(provider) => (
                        <span>{t('settings.passkeys.provider', { provider: provider() })}</span>
                      )}
                    </Show>
                    <span>{t('settings.passkeys.created', { date: date(passkey.createdAt) })}</span>
                    <span>
                      {passkey.lastUsedAt === null
                        ? t('settings.passkeys.neverUsed')
                        : t('settings.passkeys.lastUsed', { date: date(passkey.lastUsedAt) })}
                    </span>
                  </p>
                  <Show when={confirming() === passkey.id}>
                    <ConfirmChoice
                      id={`confirm-${passkey.id}`}
                      question={t('settings.passkeys.confirmRemove', { name: passkey.name })}
                      confirmLabel={t('settings.passkeys.confirmRemoveButton')}
                      onConfirm={() => void remove(passkey)}
                      onCancel={() => setConfirming(null)}
                    />
                  </Show>
                </ListRow>
              )}
            </For>
          </ul>
        )}
      </ResourceView>
      <div class="settings-section__footer">
        <Show when={list()?.length === 1}>
          <p class="settings-section__hint">{t('settings.passkeys.lastOne')}</p>
        </Show>
        <Show when={session.keystoreKeyReady()}>
          <p class="settings-section__hint">
            <Icon name="shield" class="settings-section__hint-icon" />
            <span>{t('settings.passkeys.keystore')}</span>
          </p>
        </Show>
        <div role="status" class="settings-section__status">
          <Show when={status()}>{(text) => <p class="form__ok">{text()}</p>}</Show>
          <Show when={error()}>{(text) => <p class="form__error">{text()}</p>}</Show>
        </div>
        <button
          type="button"
          class="button button--secondary"
          disabled={adding()}
          aria-busy={adding()}
          onClick={() => void add()}
        >
          <Icon name="plus" />
          {adding() ? t('settings.passkeys.adding') : t('settings.passkeys.add')}
        </button>
      </div>
    </section>
  );
}
