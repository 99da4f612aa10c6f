import type { SessionView } from '@vaultroom/shared';
import { For, Show, createResource, createSignal, type JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { useApp } from '../../state/AppContext.js';
import { describeError } from '../describeError.js';
import { ResourceView } from './ResourceView.js';
import { ListRow } from './ListRow.js';

/** Where the account is signed in, this device first, with revoke and "everywhere else". */
export function SessionsSection(): JSX.Element {
  const { t, api, session, preferences } = useApp();
  const [list, { refetch }] = createResource(async () => {
    try {
      const { sessions } = await api.sessions();
      return [...sessions].sort((a, b) => Number(b.current) - Number(a.current));
    } catch (error) {
      throw session.noticeError(error);
    }
  });
  const [status, setStatus] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const date = (iso: string) => formatDateTime(iso, preferences.locale());

  const act = async (action: () => Promise<string | null>): Promise<void> => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      setStatus(await action());
      void refetch();
    } catch (caught) {
      session.noticeError(caught);
      setError(describeError(t, caught));
    } finally {
      setBusy(false);
    }
  };

  const revoke = (target: SessionView) =>
    act(async () => {
      await api.revokeSession(target.id);
      return null;
    });
  const revokeOthers = () =>
    act(async () => {
      const { revoked } = await api.revokeOtherSessions();
      return t('settings.sessions.revokedOthers', { count: String(revoked) });
    });

  const others = () => (list() ?? []).filter((item) => !item.current).length;

  return (
    <section class="settings-section" aria-labelledby="sessions-title">
      <h2 id="sessions-title" class="settings-section__title">
        {t('settings.sessions.title')}
      </h2>
      <p class="settings-section__intro">{t('settings.sessions.intro')}</p>
      <ResourceView
        resource={list}
        loadError={() => t('settings.sessions.loadError')}
        onRetry={() => void refetch()}
      >
        {(items) => (
          <ul class="item-list" aria-labelledby="sessions-title">
            <For each={items()}>
              {(item) => (
                <ListRow
                  icon="device"
                  data-current={item.current}
                  showActions={!item.current}
                  actions={
                    <>
                      <button
                        type="button"
                        class="button button--ghost button--compact button--danger-text"
                        disabled={busy()}
                        aria-label={t('settings.sessions.revokeNamed', { device: item.device })}
                        onClick={() => void revoke(item)}
                      >
                        {t('settings.sessions.revoke')}
                      </button>
                    </>
                  }
                >
                  <p class="item__title">
                    <span>{item.device}</span>
                    <Show when={item.current}>
                      <span class="tag tag--accent">{t('settings.sessions.thisDevice')}</span>
                    </Show>
                  </p>
                  <p class="item__meta">
                    <span>{t('settings.sessions.started', { date: date(item.createdAt) })}</span>
                    <span>{t('settings.sessions.lastSeen', { date: date(item.lastSeenAt) })}</span>
                  </p>
                </ListRow>
              )}
            </For>
          </ul>
        )}
      </ResourceView>
      <div class="settings-section__footer">
        <div role="status" class="settings-section__status">
          <Show when={status()}>{(text) => <p class="form__ok">{text()}</p>}</Show>
          <Show when={error()}>{(text) => <p class="form__error">{text()}</p>}</Show>
        </div>
        <Show
          when={others() > 0}
          fallback={
            <Show when={list() !== undefined}>
              <p class="settings-section__hint">{t('settings.sessions.noOthers')}</p>
            </Show>
          }
        >
          <button
            type="button"
            class="button button--secondary"
            disabled={busy()}
            onClick={() => void revokeOthers()}
          >
            {t('settings.sessions.revokeOthers')}
          </button>
        </Show>
      </div>
    </section>
  );
}
