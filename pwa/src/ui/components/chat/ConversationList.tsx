import { A } from '@solidjs/router';
import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import type { ConversationRecord } from '../../../core/chat/chatRecords.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { formatListTime } from './formatMessageTime.js';
import { NewConversationForm } from './NewConversationForm.js';
import { useConversationPaths } from './useConversationPaths.js';

/** First letter of a handle, for the avatar. */
const initialOf = (handle: string) => handle.slice(0, 1).toUpperCase();

/** The list of conversations with search, unread counts and the new-conversation form. */
export function ConversationList(props: {
  readonly selected: string | null;
  readonly startOpen: boolean;
  readonly onStarted: (conversation: string) => void;
}): JSX.Element {
  const { t, chat, preferences } = useApp();
  const paths = useConversationPaths();
  // The shortcut (?new=1) opens the form once; after that it is the person's to toggle.
  // eslint-disable-next-line solid/reactivity -- read once on purpose
  const [composing, setComposing] = createSignal(props.startOpen);
  const [query, setQuery] = createSignal('');
  const shown = createMemo(() => {
    const needle = query().trim().toLowerCase();
    return chat
      .conversations()
      .filter(
        (c) =>
          needle === '' ||
          c.peer.toLowerCase().includes(needle) ||
          (c.lastText ?? '').toLowerCase().includes(needle),
      );
  });
  const preview = (conversation: ConversationRecord): string => {
    if (chat.typing(conversation.id)) return t('conversations.typing');
    if (conversation.draft !== '') return conversation.draft;
    if (conversation.lastText === null) return t('conversations.noMessages');
    if (conversation.lastOutgoing) return t('conversations.you', { text: conversation.lastText });
    return conversation.group !== null && conversation.lastAuthor !== null
      ? t('conversations.from', { peer: conversation.lastAuthor, text: conversation.lastText })
      : conversation.lastText;
  };

  return (
    <section class="split__list conversation-list" aria-labelledby="conversations-title">
      <div class="pane-header">
        <h1 id="conversations-title" class="pane-header__title">
          {t('conversations.title')}
        </h1>
        <button
          class="button button--secondary pane-header__action"
          type="button"
          title={t('conversations.newConversation')}
          aria-expanded={composing()}
          aria-controls="new-conversation"
          onClick={() => setComposing(!composing())}
        >
          <Icon name="plus" />
          <span class="visually-hidden">{t('conversations.newConversation')}</span>
        </button>
      </div>
      <div id="new-conversation">
        <Show when={composing()}>
          <NewConversationForm
            onStarted={(id) => {
              setComposing(false);
              props.onStarted(id);
            }}
            onCancel={() => setComposing(false)}
          />
        </Show>
      </div>
      <Show when={chat.conversations().length > 0}>
        <div class="conversation-list__search">
          <label class="visually-hidden" for="conversation-search">
            {t('conversations.search')}
          </label>
          <input
            id="conversation-search"
            class="field__input"
            type="search"
            // What one searches for is message text: kept out of the browser's saved form state.
            autocomplete="off"
            placeholder={t('conversations.search')}
            value={query()}
            onInput={(event) => setQuery(event.currentTarget.value)}
          />
        </div>
      </Show>
      <Show
        when={chat.status() !== 'opening'}
        fallback={<p class="conversation-list__status">{t('conversations.opening')}</p>}
      >
        <Show when={chat.status() === 'unavailable'}>
          <p class="form__error conversation-list__status" role="alert">
            {t('conversations.unavailable')}
          </p>
        </Show>
        <Show
          when={chat.conversations().length > 0}
          fallback={
            <div class="empty-state">
              <span class="empty-state__badge">
                <Icon name="chat" />
              </span>
              <h2 class="empty-state__title">{t('conversations.emptyTitle')}</h2>
              <p class="empty-state__text">{t('conversations.emptyAction')}</p>
            </div>
          }
        >
          <Show when={shown().length === 0}>
            <p class="conversation-list__status">
              {t('conversations.noMatches', { query: query().trim() })}
            </p>
          </Show>
          <ul class="conversation-list__items">
            <For each={shown()}>
              {(conversation) => (
                <li>
                  <A
                    href={paths.pathOf(conversation.id)}
                    class="conversation-row"
                    classList={{ 'conversation-row--unread': conversation.unread > 0 }}
                    aria-current={props.selected === conversation.id ? 'page' : undefined}
                  >
                    <span
                      class="avatar"
                      classList={{ 'avatar--group': conversation.group !== null }}
                      aria-hidden="true"
                    >
                      <Show
                        when={conversation.group !== null}
                        fallback={initialOf(conversation.peer)}
                      >
                        <Icon name="users" />
                      </Show>
                    </span>
                    <span class="conversation-row__text">
                      <span class="conversation-row__top">
                        <span class="conversation-row__name">
                          {conversation.group === null
                            ? `@${conversation.peer}`
                            : conversation.group.name}
                        </span>
                        <time
                          class="conversation-row__time"
                          datetime={new Date(conversation.lastAt).toISOString()}
                        >
                          {formatListTime(conversation.lastAt, Date.now(), preferences.locale())}
                        </time>
                      </span>
                      <span class="conversation-row__bottom">
                        <span
                          class="conversation-row__preview"
                          classList={{
                            'conversation-row__preview--typing': chat.typing(conversation.id),
                            'conversation-row__preview--draft':
                              conversation.draft !== '' && !chat.typing(conversation.id),
                          }}
                        >
                          {preview(conversation)}
                        </span>
                        <Show when={conversation.unread > 0}>
                          <span class="badge">
                            <span aria-hidden="true">{conversation.unread}</span>
                            <span class="visually-hidden">
                              {t('conversations.unread', { count: conversation.unread })}
                            </span>
                          </span>
                        </Show>
                      </span>
                    </span>
                  </A>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}
