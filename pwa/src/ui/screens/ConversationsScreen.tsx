import { useNavigate, useParams, useSearchParams } from '@solidjs/router';
import { Show, createEffect, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { ConversationList } from '../components/chat/ConversationList.js';
import { ConversationPane } from '../components/chat/ConversationPane.js';
import { SharePicker } from '../components/chat/SharePicker.js';
import { useConversationPaths } from '../components/chat/useConversationPaths.js';
import { Icon } from '../components/Icon.js';
import { useDocumentTitle } from '../useDocumentTitle.js';

/**
 * The conversation list and the open conversation: one column on phones (the list, or the
 * conversation with a way back), side by side from 900 px.
 */
export function ConversationsScreen(): JSX.Element {
  const { t, chat, notifications } = useApp();
  const params = useParams<{ id?: string }>();
  const [search] = useSearchParams<{ new?: string }>();
  const navigate = useNavigate();
  const paths = useConversationPaths();
  const selected = () => (params.id === undefined ? null : paths.idOf(params.id));
  // An address saved by an older version names the conversation by its id: move to its route,
  // replacing the entry, so the handle is not written to the history again.
  createEffect(() => {
    const segment = params.id === undefined ? null : decodeURIComponent(params.id);
    if (segment !== null && selected() === null && paths.isPlainId(segment)) {
      navigate(paths.pathOf(segment), { replace: true });
    }
  });
  const [permission, setPermission] = createSignal(notifications.permission());
  const { unreadTotal } = chat;
  // The title goes into the browser's history and session files too: no handle, no group name.
  useDocumentTitle(
    () => {
      const base = t(selected() === null ? 'conversations.title' : 'conversation.documentTitle');
      return unreadTotal() > 0 ? `(${String(unreadTotal())}) ${base}` : base;
    },
    () => t('app.titleSuffix'),
  );

  return (
    <div class="split chat" classList={{ 'chat--open': selected() !== null }}>
      <SharePicker />
      <div class="chat__list-column">
        <Show when={chat.connection() === 'reconnecting'}>
          <p class="chat-banner" role="status">
            <Icon name="info" />
            <span>{t('conversations.offline')}</span>
          </p>
        </Show>
        <Show when={permission() === 'default' && chat.conversations().length > 0}>
          <div class="chat-banner chat-banner--offer">
            <span>{t('conversations.notifyOffer')}</span>
            <button
              class="button button--secondary button--compact"
              type="button"
              onClick={() => {
                void notifications.request().then(setPermission);
              }}
            >
              {t('conversations.notifyEnable')}
            </button>
          </div>
        </Show>
        <ConversationList
          selected={selected()}
          startOpen={search.new === '1'}
          onStarted={(id) => {
            navigate(paths.pathOf(id));
          }}
        />
      </div>
      <section class="split__content chat__pane" aria-label={t('conversation.messages')}>
        <Show
          when={selected()}
          keyed
          fallback={
            <div class="pane-placeholder">
              <span class="pane-placeholder__badge">
                <Icon name="lock" />
              </span>
              <h2 class="pane-placeholder__title">{t('conversations.paneTitle')}</h2>
              <p class="pane-placeholder__text">{t('conversations.paneBody')}</p>
            </div>
          }
        >
          {(id) => (
            <Show
              when={chat.conversation(id)}
              fallback={<p class="conversation-list__status">{t('common.loading')}</p>}
            >
              <ConversationPane id={id} />
            </Show>
          )}
        </Show>
      </section>
    </div>
  );
}
