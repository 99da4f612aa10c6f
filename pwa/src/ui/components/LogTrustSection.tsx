import { For, Show, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { describeLogWarning } from '../describeLogWarning.js';
import { Icon } from './Icon.js';

/**
 * The Security screen's part about the relay's log as a whole (PROTOCOL.md §1.8.3): every
 * warning kept that the relay showed this device, or a contact's, another log, each naming what
 * was seen; and where this device's trust in the log key comes from (the invite link, or first
 * use).
 */
export function LogTrustSection(): JSX.Element {
  const { t, chat, preferences } = useApp();
  const warnings = () => chat.logNotices().warnings;
  return (
    <>
      <Show when={warnings().length > 0}>
        <div class="log-alert" role="alert" aria-labelledby="log-warnings-title">
          <Icon name="warning" class="log-alert__icon" />
          <div class="log-alert__body">
            <h2 id="log-warnings-title" class="log-alert__title">
              {t('logWarnings.title')}
            </h2>
            <p>{t('logWarnings.intro')}</p>
            <ul class="log-alert__list">
              <For each={warnings()}>
                {(warning) => <li>{describeLogWarning(t, warning, preferences.locale())}</li>}
              </For>
            </ul>
            <p class="log-alert__advice">{t('logWarnings.advice')}</p>
          </div>
        </div>
      </Show>
      <Show when={chat.trustedLog()}>
        {(trusted) => (
          <section class="log-key" aria-labelledby="log-key-title" data-pinned={trusted().pinned}>
            <h2 id="log-key-title" class="log-key__title">
              <Icon name={trusted().pinned ? 'lock' : 'info'} class="log-key__icon" />
              {t('logWarnings.keyTitle')}
            </h2>
            <p>{trusted().pinned ? t('logWarnings.keyPinned') : t('logWarnings.keyFirstUse')}</p>
            <p class="log-key__meta">
              {t('logWarnings.keyChecked', { size: String(trusted().size) })}
            </p>
          </section>
        )}
      </Show>
    </>
  );
}
