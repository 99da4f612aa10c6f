import { Show, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from './Icon.js';

/**
 * Service worker news, never blocking: a new version waiting for a reload, or (once, after the
 * first install) that the app now works offline.
 */
export function UpdateNotices(): JSX.Element {
  const { t, update } = useApp();

  return (
    <div class="notices" role="status">
      <Show when={update.needRefresh()}>
        <div class="notice">
          <Icon name="refresh" class="notice__icon" />
          <p class="notice__text">{t('update.available')}</p>
          <button
            type="button"
            class="button button--primary button--compact"
            onClick={() => void update.reload()}
          >
            {t('update.reload')}
          </button>
        </div>
      </Show>
      <Show when={!update.needRefresh() && update.offlineReady()}>
        <div class="notice notice--quiet">
          <Icon name="check" class="notice__icon" />
          <p class="notice__text">{t('update.offlineReady')}</p>
          <button
            type="button"
            class="button button--ghost button--compact"
            onClick={() => {
              update.dismissOfflineReady();
            }}
          >
            {t('update.dismiss')}
          </button>
        </div>
      </Show>
    </div>
  );
}
