import type { AuditEventView, UserView } from '@vaultroom/shared';
import {
  For,
  Match,
  Show,
  Switch,
  createEffect,
  createMemo,
  createSignal,
  on,
  type Accessor,
  type JSX,
} from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { SECURITY_EVENT_TYPES } from '@vaultroom/shared';
import { useApp } from '../../state/AppContext.js';
import { createPagedList } from '../../state/createPagedList.js';
import { auditEventIcon } from '../auditEventIcon.js';
import { auditEventTypeLabel, describeAuditEvent } from '../describeAuditEvent.js';
import { Icon } from './Icon.js';
import { SectionLoadError } from './SectionLoadError.js';

const PAGE = 25;

/**
 * Administration: every event of the relay's audit log, newest first, filtered by event type
 * and by account, a page at a time. Actors are shown by handle when the account still exists.
 */
export function AuditLogSection(props: {
  readonly users: Accessor<readonly UserView[] | undefined>;
}): JSX.Element {
  const { t, audit, session, preferences } = useApp();
  const [type, setType] = createSignal('');
  const [account, setAccount] = createSignal('');

  const handles = createMemo(
    () => new Map((props.users() ?? []).map((user) => [user.id, user.handle])),
  );
  const actor = (event: AuditEventView) => {
    if (event.actorAccountId === null) return t('admin.audit.byRelay');
    const handle = handles().get(event.actorAccountId);
    return t('admin.audit.byAccount', {
      actor: handle === undefined ? t('admin.audit.unknownAccount') : `@${handle}`,
    });
  };
  const date = (iso: string) => formatDateTime(iso, preferences.locale());

  const list = createPagedList({
    fetch: (last: AuditEventView | undefined) =>
      audit.events({
        type: type(),
        account: account(),
        limit: PAGE,
        ...(last === undefined ? {} : { before: last.seq }),
      }),
    accept: (page) => ({ items: page.events, more: page.events.length === PAGE }),
    noticeError: (error) => session.noticeError(error),
  });
  const { status, hasOlder, loadingOlder, olderFailed, loadOlder } = list;
  const events = list.items;
  const load = list.reload;

  createEffect(on([type, account], () => void load()));

  return (
    <section class="settings-section" aria-labelledby="audit-title">
      <h2 id="audit-title" class="settings-section__title">
        {t('admin.audit.title')}
      </h2>
      <p class="settings-section__intro">{t('admin.audit.intro')}</p>
      <div class="audit-filters">
        <div class="field">
          <label class="field__label" for="audit-type">
            {t('admin.audit.type')}
          </label>
          <select
            id="audit-type"
            class="field__input field__select"
            value={type()}
            onChange={(event) => setType(event.currentTarget.value)}
          >
            <option value="">{t('admin.audit.allTypes')}</option>
            <For each={SECURITY_EVENT_TYPES}>
              {(value) => <option value={value}>{auditEventTypeLabel(t, value)}</option>}
            </For>
          </select>
        </div>
        <div class="field">
          <label class="field__label" for="audit-account">
            {t('admin.audit.account')}
          </label>
          <select
            id="audit-account"
            class="field__input field__select"
            value={account()}
            onChange={(event) => setAccount(event.currentTarget.value)}
          >
            <option value="">{t('admin.audit.allAccounts')}</option>
            <For each={props.users() ?? []}>
              {(user) => <option value={user.id}>@{user.handle}</option>}
            </For>
          </select>
        </div>
      </div>

      <div role="status" class="audit-status">
        <Show when={status() === 'loading'}>
          <p class="section-state">{t('common.loading')}</p>
        </Show>
      </div>
      <Switch>
        <Match when={status() === 'error'}>
          <SectionLoadError
            text={t('admin.audit.loadError')}
            retryLabel={t('common.retry')}
            onRetry={() => void load()}
          />
        </Match>
        <Match when={status() === 'ready' && events().length === 0}>
          <p class="section-state">{t('admin.audit.empty')}</p>
        </Match>
        <Match when={status() === 'ready'}>
          <ul class="item-list" aria-labelledby="audit-title">
            <For each={events()}>
              {(event) => (
                <li class="item audit-item" data-outcome={event.outcome}>
                  <span class="item__badge audit-item__badge">
                    <Icon name={auditEventIcon(event)} />
                  </span>
                  <div class="item__body">
                    <p class="item__title">
                      <span>{describeAuditEvent(t, event)}</span>
                      <Show when={event.outcome === 'failure'}>
                        <span class="tag tag--warn">{t('admin.audit.failure')}</span>
                      </Show>
                    </p>
                    <p class="item__meta">
                      <time datetime={event.at}>{date(event.at)}</time>
                      <span>{actor(event)}</span>
                      <span class="audit-item__seq">#{event.seq}</span>
                    </p>
                  </div>
                </li>
              )}
            </For>
          </ul>
          <div class="settings-section__footer">
            <div role="status" class="settings-section__status">
              <Show when={loadingOlder()}>
                <p class="settings-section__hint">{t('admin.audit.loadingOlder')}</p>
              </Show>
              <Show when={olderFailed()}>
                <p class="form__error">{t('admin.audit.loadError')}</p>
              </Show>
            </div>
            <Show
              when={hasOlder()}
              fallback={<p class="settings-section__hint">{t('admin.audit.end')}</p>}
            >
              <button
                type="button"
                class="button button--secondary"
                disabled={loadingOlder()}
                aria-busy={loadingOlder()}
                onClick={() => void loadOlder()}
              >
                {t('admin.audit.showOlder')}
              </button>
            </Show>
          </div>
        </Match>
      </Switch>
    </section>
  );
}
