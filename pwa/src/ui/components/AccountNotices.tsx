import { A } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import { For, Match, Switch, type JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { useApp } from '../../state/AppContext.js';
import { DevicesWaitingNotice } from './DevicesWaitingNotice.js';
import { Icon } from './Icon.js';
import { LogNotices } from './LogNotices.js';

/**
 * What the relay asked to tell the person at sign-in: that a recovery invite was used on the
 * account (plainly, with the way to check), or that one passkey is all that stands between them
 * and a lost account. And what the chat found: a device on the account that its account key
 * does not certify (being linked, or added by someone else), and what it keeps of the relay's
 * log (LogNotices).
 */
export function AccountNotices(): JSX.Element {
  const { t, session, preferences } = useApp();
  return (
    <div class="notices notices--account" role="status">
      <LogNotices />
      <DevicesWaitingNotice />
      <For each={session.notices()}>
        {(notice) => (
          <Switch>
            <Match when={notice.kind === 'recovery-used' ? notice : null}>
              {(used) => (
                <div class="notice notice--warn">
                  <Icon name="warning" class="notice__icon" />
                  <p class="notice__text">
                    {t('accountNotices.recoveryUsed', {
                      date: formatDateTime(used().at, preferences.locale()),
                    })}
                  </p>
                  <div class="notice__actions">
                    <A
                      href={APP_ROUTES.settings}
                      class="button button--secondary button--compact"
                      activeClass=""
                      inactiveClass=""
                      onClick={() => {
                        session.dismissNotice('recovery-used');
                      }}
                    >
                      {t('accountNotices.recoveryReview')}
                    </A>
                  </div>
                </div>
              )}
            </Match>
            <Match when={notice.kind === 'single-passkey'}>
              <div class="notice">
                <Icon name="key" class="notice__icon" />
                <p class="notice__text">{t('accountNotices.singlePasskey')}</p>
                <div class="notice__actions">
                  <A
                    href={`${APP_ROUTES.settings}#passkeys-title`}
                    class="button button--primary button--compact"
                    activeClass=""
                    inactiveClass=""
                  >
                    {t('accountNotices.addPasskey')}
                  </A>
                  <button
                    type="button"
                    class="button button--ghost button--compact"
                    onClick={() => {
                      session.dismissNotice('single-passkey');
                    }}
                  >
                    {t('common.dismiss')}
                  </button>
                </div>
              </div>
            </Match>
          </Switch>
        )}
      </For>
    </div>
  );
}
