import { A } from '@solidjs/router';
import { APP_ROUTES, handleKey } from '@vaultroom/shared';
import { For, Show, createEffect, createSignal, on, onCleanup, type JSX } from 'solid-js';
import { isVerified, otherMembers, type MessageRecord } from '../../../core/chat/chatRecords.js';
import { keysChangedSinceVerified, sendingPaused } from '../../../core/chat/createChatEngine.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { Composer } from './Composer.js';
import { useFileSending, MetadataNotice } from './useFileSending.js';
import { describeChatError } from './describeChatError.js';
import { dayOf, formatDayDivider } from './formatMessageTime.js';
import { ConversationNotice } from './ConversationNotice.js';
import { GroupPanel } from './GroupPanel.js';
import { MessageBubble } from './MessageBubble.js';
import { SafetyNumberPanel } from './SafetyNumberPanel.js';
import { TimerControl } from './TimerControl.js';

/**
 * One conversation: its header with the lock that opens the safety number, the key-change
 * notice, the messages and the composer. Messages count as read while this pane is on screen
 * and the page is visible.
 */
export function ConversationPane(props: { readonly id: string }): JSX.Element {
  const { t, chat, session, preferences } = useApp();
  const me = () => session.account()?.handle ?? '';
  const [showSafety, setShowSafety] = createSignal(false);
  const [showGroup, setShowGroup] = createSignal(false);
  const [sendError, setSendError] = createSignal<string | null>(null);
  const [replyingTo, setReplyingTo] = createSignal<MessageRecord | null>(null);
  const conversation = () => chat.conversation(props.id);
  const peer = () => conversation()?.peer ?? props.id;
  const group = () => conversation()?.group ?? null;
  const left = () => group()?.left === true;
  const title = () => {
    const current = group();
    return current === null ? `@${peer()}` : current.name;
  };
  const contact = () => (group() === null ? chat.contact(props.id) : undefined);
  /** A group's members whose account key changed: the group's messages wait for them. */
  const pausedMembers = () => {
    const current = group();
    if (current === null || current.left) return [];
    return otherMembers(current, handleKey(me())).filter((member) => {
      const known = chat.contact(handleKey(member));
      return known !== undefined && sendingPaused(known);
    });
  };
  /** Those of them the person had verified: writing to the group stops until they confirm. */
  const blockedMembers = () =>
    pausedMembers().filter((member) => {
      const known = chat.contact(handleKey(member));
      return known !== undefined && keysChangedSinceVerified(known);
    });
  const verified = () => {
    const known = contact();
    return known !== undefined && isVerified(known);
  };
  const blocked = () => {
    const known = contact();
    return known !== undefined && keysChangedSinceVerified(known);
  };
  const messages = () => chat.messages(props.id);
  /** Whether the message at `index` is its day's first here, and so gets a date above it. */
  const startsDay = (index: number): boolean => {
    const list = messages();
    const current = list[index];
    const previous = list[index - 1];
    if (current === undefined) return false;
    return previous === undefined || dayOf(previous.sentAt) !== dayOf(current.sentAt);
  };
  let list: HTMLOListElement | undefined;

  createEffect(
    on(
      () => props.id,
      () => {
        setShowSafety(false);
        setShowGroup(false);
        setSendError(null);
        setReplyingTo(null);
      },
    ),
  );

  // Read while shown: on opening, on each new message, and when the page becomes visible.
  createEffect(() => {
    const unread = conversation()?.unread ?? 0;
    if (unread > 0 && document.visibilityState === 'visible') {
      chat.markRead(props.id).catch(() => undefined);
    }
  });
  const onVisible = () => {
    if (document.visibilityState === 'visible' && (conversation()?.unread ?? 0) > 0) {
      chat.markRead(props.id).catch(() => undefined);
    }
  };
  document.addEventListener('visibilitychange', onVisible);
  onCleanup(() => {
    document.removeEventListener('visibilitychange', onVisible);
  });

  // Stay at the newest message as messages arrive.
  createEffect(
    on(
      () => messages().length,
      () => {
        queueMicrotask(() => list?.lastElementChild?.scrollIntoView({ block: 'end' }));
      },
    ),
  );

  const files = useFileSending(
    // eslint-disable-next-line solid/reactivity -- accessors, read each time files are sent
    () => props.id,
    // eslint-disable-next-line solid/reactivity -- as above
    () => !blocked() && blockedMembers().length === 0 && !left(),
    setSendError,
  );

  const send = async (text: string): Promise<boolean> => {
    setSendError(null);
    try {
      await chat.send(props.id, text, replyingTo()?.id ?? null);
      setReplyingTo(null);
      return true;
    } catch (error) {
      setSendError(describeChatError(t, error));
      return false;
    }
  };

  return (
    <section
      class="conversation"
      classList={{ 'conversation--dropping': files.dropping() }}
      aria-labelledby="conversation-title"
      {...files.dropTarget}
    >
      <header class="conversation__header">
        <A href={APP_ROUTES.conversations} class="conversation__back button button--ghost">
          <Icon name="chevron" class="icon--back" />
          <span class="visually-hidden">{t('conversation.back')}</span>
        </A>
        <span class="avatar" classList={{ 'avatar--group': group() !== null }} aria-hidden="true">
          <Show when={group() !== null} fallback={peer().slice(0, 1).toUpperCase()}>
            <Icon name="users" />
          </Show>
        </span>
        <div class="conversation__who">
          <h1 id="conversation-title" class="conversation__title">
            <span class="visually-hidden">
              {group() === null
                ? t('conversation.with', { peer: peer() })
                : t('conversation.groupWith', { name: title() })}
            </span>
            <span aria-hidden="true">{title()}</span>
          </h1>
          <p class="conversation__status" aria-live="polite">
            <Show
              when={chat.typing(props.id)}
              fallback={
                group() === null
                  ? verified()
                    ? t('conversation.verified')
                    : ''
                  : t('conversations.groupMembers', { count: group()?.members.length ?? 0 })
              }
            >
              {group() === null
                ? t('conversation.typing', { peer: peer() })
                : t('conversation.groupTyping')}
            </Show>
          </p>
        </div>
        <Show
          when={group() === null}
          fallback={
            <button
              class="button button--ghost conversation__lock"
              type="button"
              aria-expanded={showGroup()}
              disabled={left()}
              onClick={() => setShowGroup(!showGroup())}
            >
              <Icon name="users" />
              <span>{t('conversation.groupInfo')}</span>
            </button>
          }
        >
          <button
            class="button button--ghost conversation__lock"
            classList={{ 'conversation__lock--verified': verified() }}
            type="button"
            aria-expanded={showSafety()}
            onClick={() => setShowSafety(!showSafety())}
          >
            <Icon name={verified() ? 'shield' : 'lock'} />
            <span>{t('conversation.safetyNumber')}</span>
          </button>
        </Show>
      </header>

      <Show when={pausedMembers()[0]}>
        {(member) => (
          <div class="key-notice" role="alert">
            <Icon name="warning" />
            <p class="key-notice__text">
              {blockedMembers().includes(member())
                ? t('conversation.memberKeyChanged', { peer: member() })
                : t('conversation.memberKeyChangedUnverified', { peer: member() })}
            </p>
            <div class="key-notice__actions">
              <button
                class="button button--secondary button--compact"
                type="button"
                onClick={() => setShowGroup(true)}
              >
                {t('conversation.keyChangedReview')}
              </button>
              <button
                class="button button--primary button--compact"
                type="button"
                onClick={() => void chat.acknowledgeKeyChange(handleKey(member()))}
              >
                {t('conversation.keyChangedConfirm')}
              </button>
            </div>
          </div>
        )}
      </Show>

      <Show when={showGroup() && !left() ? group() : null}>
        {(current) => (
          <GroupPanel
            conversation={props.id}
            group={current()}
            onClose={() => setShowGroup(false)}
          />
        )}
      </Show>

      <Show when={contact()?.keyChangedAt !== null && contact() !== undefined}>
        <div class="key-notice" role="alert">
          <Icon name="warning" />
          <p class="key-notice__text">
            {blocked()
              ? t('conversation.keyChangedVerified', { peer: peer() })
              : t('conversation.keyChanged', { peer: peer() })}
          </p>
          <div class="key-notice__actions">
            <button
              class="button button--secondary button--compact"
              type="button"
              onClick={() => setShowSafety(true)}
            >
              {t('conversation.keyChangedReview')}
            </button>
            <button
              class="button button--primary button--compact"
              type="button"
              onClick={() => void chat.acknowledgeKeyChange(props.id)}
            >
              {t('conversation.keyChangedConfirm')}
            </button>
          </div>
        </div>
      </Show>

      <Show when={showSafety()}>
        <SafetyNumberPanel
          conversation={props.id}
          peer={peer()}
          verified={verified()}
          onClose={() => setShowSafety(false)}
        />
      </Show>

      <div class="conversation__scroll">
        <p class="conversation__e2e">
          <Icon name="lock" />
          <span>
            {group() === null
              ? t('conversation.encrypted', { peer: peer() })
              : t('conversation.groupEncrypted')}
          </span>
        </p>
        <Show when={!left()}>
          <TimerControl
            conversation={props.id}
            seconds={conversation()?.timerSeconds ?? 0}
            onError={(error) => setSendError(describeChatError(t, error))}
          />
        </Show>
        <ol class="conversation__messages" ref={list} aria-label={t('conversation.messages')}>
          <For each={messages()}>
            {(message, index) => (
              <>
                <Show when={startsDay(index())}>
                  <li class="conversation__day">
                    <time datetime={new Date(message.sentAt).toISOString()}>
                      {formatDayDivider(message.sentAt, Date.now(), preferences.locale(), {
                        today: t('conversation.today'),
                        yesterday: t('conversation.yesterday'),
                      })}
                    </time>
                  </li>
                </Show>
                <Show
                  when={message.notice === null}
                  fallback={<ConversationNotice message={message} me={me()} />}
                >
                  <MessageBubble
                    message={message}
                    me={me()}
                    showAuthor={group() !== null}
                    peer={group() === null ? peer() : null}
                    quoted={
                      message.replyTo === null
                        ? undefined
                        : messages().find((candidate) => candidate.id === message.replyTo)
                    }
                    onReply={(target) => {
                      setReplyingTo(target);
                      document.getElementById('composer-field')?.focus();
                    }}
                    onRetry={(id) => {
                      chat
                        .retry(id)
                        .catch((error: unknown) => setSendError(describeChatError(t, error)));
                    }}
                    onReact={(id, emoji) => {
                      chat
                        .react(id, emoji)
                        .catch((error: unknown) => setSendError(describeChatError(t, error)));
                    }}
                  />
                </Show>
              </>
            )}
          </For>
        </ol>
      </div>

      <Show when={sendError()}>
        {(message) => (
          <p class="form__error conversation__error" role="alert">
            {message()}
          </p>
        )}
      </Show>
      <MetadataNotice show={files.noticeShown()} onDismiss={files.dismissNotice} />
      <Show when={replyingTo()}>
        {(target) => (
          <div class="reply-preview">
            <Icon name="reply" />
            <p class="reply-preview__text">
              <span class="bubble__quote-author">
                {t('conversation.replyingTo', { author: target().author })}
              </span>
              <span class="bubble__quote-text">{target().text}</span>
            </p>
            <button
              class="button button--ghost button--compact"
              type="button"
              onClick={() => setReplyingTo(null)}
            >
              {t('conversation.cancelReply')}
            </button>
          </div>
        )}
      </Show>
      <Show
        when={!left()}
        fallback={
          <p class="conversation__left" role="status">
            <Icon name="info" />
            <span>{t('conversation.groupLeft')}</span>
          </p>
        }
      >
        <Composer
          conversation={props.id}
          label={
            group() === null
              ? t('conversation.composerLabel', { peer: peer() })
              : t('conversation.composerGroupLabel', { name: title() })
          }
          initialDraft={conversation()?.draft ?? ''}
          disabled={blocked() || blockedMembers().length > 0}
          onSend={send}
          onFiles={(chosen) => {
            files.send(chosen);
          }}
        />
      </Show>
    </section>
  );
}
