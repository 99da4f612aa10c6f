import { A } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import {
  For,
  Match,
  Show,
  Switch,
  createEffect,
  createMemo,
  on,
  onMount,
  type JSX,
} from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import type { EventProofState } from '../../core/audit/verifyAuditEvents.js';
import { useApp } from '../../state/AppContext.js';
import { createSecurityActivity } from '../../state/createSecurityActivity.js';
import { auditEventIcon } from '../auditEventIcon.js';
import { Icon } from '../components/Icon.js';
import { LogTrustSection } from '../components/LogTrustSection.js';
import { describeAuditEvent } from '../describeAuditEvent.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

/**
 * The account's own security events, newest first, each checked on this device against the
 * relay's signed audit log; and a warning when the log no longer extends what this device saw.
 */
export function SecurityScreen(): JSX.Element {
  const { t, preferences, security, session, chat } = useApp();
  useDocumentTitle(
    () => t('security.title'),
    () => t('app.titleSuffix'),
  );
  const activity = createSecurityActivity(
    security,
    (note) => chat.compareRelayCheckpoint(note),
    (error) => session.noticeError(error),
  );
  onMount(() => void activity.reload());
  // Opened, unlocked or connected after the page could compare nothing: compare now.
  createEffect(
    on(
      () => chat.status() === 'ready' && chat.connection() === 'connected',
      (usable) => {
        if (usable && activity.history().kind === 'error') void activity.reload();
      },
      { defer: true },
    ),
  );
  const date = (iso: string) => formatDateTime(iso, preferences.locale());

  const proofText = (state: EventProofState) => {
    switch (state) {
      case 'verified':
        return t('security.verified');
      case 'pending':
        return t('security.pending');
      case 'failed':
        return t('security.failed');
    }
  };
  const proofIcon = (state: EventProofState) => {
    switch (state) {
      case 'verified':
        return 'shield' as const;
      case 'pending':
        return 'clock' as const;
      case 'failed':
        return 'warning' as const;
    }
  };

  const anyFailed = createMemo(() => activity.events().some((item) => item.state === 'failed'));
  const allVerified = createMemo(
    () =>
      activity.events().length > 0 && activity.events().every((item) => item.state === 'verified'),
  );
  const problem = createMemo(() => {
    const history = activity.history();
    return history.kind === 'changed' ? history.warning : null;
  });

  return (
    <div class="screen screen--settings screen--security">
      <A href={APP_ROUTES.settings} class="back-link">
        <Icon name="chevron" class="back-link__icon" />
        {t('security.back')}
      </A>
      <h1 class="screen__title">{t('security.title')}</h1>
      <p class="screen__lead">{t('security.intro')}</p>

      <LogTrustSection />

      <Show when={activity.invalid()}>
        <div class="log-alert" role="alert" aria-labelledby="log-invalid-title">
          <Icon name="warning" class="log-alert__icon" />
          <div class="log-alert__body">
            <h2 id="log-invalid-title" class="log-alert__title">
              {t('security.invalidTitle')}
            </h2>
            <p>{t('security.invalid')}</p>
          </div>
        </div>
      </Show>

      <section class="settings-section" aria-labelledby="activity-title">
        <h2 id="activity-title" class="visually-hidden">
          {t('security.title')}
        </h2>
        <div role="status" class="activity-status">
          <Switch>
            <Match when={activity.status() === 'loading'}>
              <p class="section-state section-state--first">{t('security.loading')}</p>
            </Match>
            <Match when={activity.status() === 'ready' && anyFailed() && !activity.invalid()}>
              <p class="activity-summary" data-tone="warn">
                <Icon name="warning" class="activity-summary__icon" />
                {t('security.someFailed')}
              </p>
            </Match>
            {/* Proven against a log that rewrote what this device saw is no reassurance. */}
            <Match when={activity.status() === 'ready' && allVerified() && problem() === null}>
              <p class="activity-summary" data-tone="ok">
                <Icon name="shield" class="activity-summary__icon" />
                {t('security.allVerified')}
              </p>
            </Match>
          </Switch>
          <Show when={activity.history().kind === 'error'}>
            <p class="activity-summary" data-tone="muted">
              <Icon name="info" class="activity-summary__icon" />
              {t('security.historyError')}
            </p>
          </Show>
        </div>

        <Switch>
          <Match when={activity.status() === 'error'}>
            <div class="section-state" role="alert">
              <p>{t('security.loadError')}</p>
              <button
                type="button"
                class="button button--secondary button--compact"
                onClick={() => void activity.reload()}
              >
                {t('common.retry')}
              </button>
            </div>
          </Match>
          <Match when={activity.status() === 'ready' && activity.events().length === 0}>
            <p class="section-state">{t('security.empty')}</p>
          </Match>
          <Match when={activity.status() === 'ready'}>
            <ul class="item-list" aria-labelledby="activity-title">
              <For each={activity.events()}>
                {(item) => (
                  <li
                    class="item audit-item"
                    data-proof={item.state}
                    data-outcome={item.event.outcome}
                  >
                    <span class="item__badge audit-item__badge">
                      <Icon name={auditEventIcon(item.event)} />
                    </span>
                    <div class="item__body">
                      <p class="item__title">
                        <span>{describeAuditEvent(t, item.event)}</span>
                        <Show when={item.event.outcome === 'failure'}>
                          <span class="tag tag--warn">{t('security.failure')}</span>
                        </Show>
                      </p>
                      <p class="item__meta">
                        <time datetime={item.event.at}>{date(item.event.at)}</time>
                      </p>
                      <p class="proof-mark" data-state={item.state}>
                        <Icon name={proofIcon(item.state)} class="proof-mark__icon" />
                        <span>{proofText(item.state)}</span>
                      </p>
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Match>
        </Switch>

        <Show when={activity.status() === 'ready' && activity.events().length > 0}>
          <div class="settings-section__footer">
            <div role="status" class="settings-section__status">
              <Show when={activity.loadingOlder()}>
                <p class="settings-section__hint">{t('security.loadingOlder')}</p>
              </Show>
              <Show when={activity.olderFailed()}>
                <p class="form__error">{t('security.loadError')}</p>
              </Show>
            </div>
            <Show
              when={activity.hasOlder()}
              fallback={<p class="settings-section__hint">{t('security.end')}</p>}
            >
              <button
                type="button"
                class="button button--secondary"
                disabled={activity.loadingOlder()}
                aria-busy={activity.loadingOlder()}
                onClick={() => void activity.loadOlder()}
              >
                {t('security.showOlder')}
              </button>
            </Show>
          </div>
        </Show>
      </section>
    </div>
  );
}
