import { A } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import { Show, createMemo, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { describeLogWarning } from '../describeLogWarning.js';
import { Icon } from './Icon.js';

/**
 * Over every screen, what the chat keeps of the relay's audit log: a warning that the relay
 * showed this device, or a contact's, another log (PROTOCOL.md §1.8.3), which stays until the
 * relay is dealt with; and keys for this account that it did not make (§3.9), until dismissed.
 */
export function LogNotices(): JSX.Element {
  const { t, chat, preferences } = useApp();
  const warnings = () => chat.logNotices().warnings;
  const first = createMemo(() => warnings()[0]);
  const alerts = createMemo(() => chat.logNotices().alerts.filter((alert) => !alert.dismissed));
  const dismissAlerts = async (): Promise<void> => {
    // Each finding shown now is remembered as read; one found later shows again.
    for (const alert of alerts()) await chat.dismissLogAlert(alert.id);
  };
  return (
    <>
      <Show when={first()}>
        {(warning) => (
          <div class="notice notice--warn" role="alert" data-notice="log-warning">
            <Icon name="warning" class="notice__icon" />
            <p class="notice__text">
              <strong>{t('logWarnings.bannerTitle')}</strong>{' '}
              {describeLogWarning(t, warning(), preferences.locale())}
            </p>
            <div class="notice__actions">
              <A
                href={`${APP_ROUTES.security}#log-warnings-title`}
                class="button button--secondary button--compact"
                activeClass=""
                inactiveClass=""
              >
                {t('logWarnings.bannerMore')}
              </A>
            </div>
          </div>
        )}
      </Show>
      <Show when={alerts().length > 0}>
        <div class="notice notice--warn" role="alert" data-notice="log-alert">
          <Icon name="warning" class="notice__icon" />
          <p class="notice__text">{t('accountNotices.logAlert')}</p>
          <div class="notice__actions">
            <A
              href={APP_ROUTES.settings}
              class="button button--secondary button--compact"
              activeClass=""
              inactiveClass=""
            >
              {t('accountNotices.devicesWaitingReview')}
            </A>
            <button
              type="button"
              class="button button--ghost button--compact"
              onClick={() => void dismissAlerts()}
            >
              {t('logWarnings.alertDismiss')}
            </button>
          </div>
        </div>
      </Show>
    </>
  );
}
