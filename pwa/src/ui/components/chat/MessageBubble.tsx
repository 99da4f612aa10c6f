import { For, Show, createSignal, type JSX } from 'solid-js';
import type { MessageRecord } from '../../../core/chat/chatRecords.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon, type IconName } from '../Icon.js';
import { AttachmentView } from './AttachmentView.js';
import { describeChatError } from './describeChatError.js';
import { formatBubbleTime } from './formatMessageTime.js';

const STATE_ICONS: Record<MessageRecord['state'], IconName> = {
  queued: 'clock',
  sent: 'check',
  delivered: 'check',
  read: 'check',
  failed: 'warning',
};

const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/**
 * One message: text, time, reactions and, for one's own, its delivery state (and, if it failed,
 * why, with retry and remove). The react button opens a row of quick reactions; picking one's own again removes it.
 */
export function MessageBubble(props: {
  readonly message: MessageRecord;
  readonly onRetry: (id: string) => void;
  readonly onReact: (id: string, emoji: string) => void;
  readonly onReply: (message: MessageRecord) => void;
  /** The message this one answers, when this device still has it. */
  readonly quoted: MessageRecord | undefined;
  /** The signed-in person's handle: their own reaction toggles off. */
  readonly me: string;
  /** In a group, an incoming message names its author. */
  readonly showAuthor: boolean;
  /** The other person of a one-to-one conversation; null in a group. */
  readonly peer: string | null;
}): JSX.Element {
  const { t, preferences, chat } = useApp();
  const state = () => props.message.state;
  /** Why the relay keeps one's own message waiting, in words (not only the clock icon). */
  const waitingLine = (): string | null => {
    const waiting = props.message.waiting;
    if (!props.message.outgoing || state() !== 'queued' || waiting === null) return null;
    const key = waiting === 'QUOTA_EXCEEDED' ? 'quota' : 'slowDown';
    return props.peer === null
      ? t(`conversation.waiting.${key}Group`)
      : t(`conversation.waiting.${key}`, { peer: props.peer });
  };
  /** Why one's own file is not through, in words: a refusal for good, or a full relay disk. */
  const fileFailureLine = (): string | null => {
    const { attachment, outgoing, failure } = props.message;
    if (!outgoing || attachment === null) return null;
    const code =
      state() === 'failed'
        ? failure
        : state() === 'queued' && attachment.failure === 'STORAGE_FULL'
          ? attachment.failure
          : null;
    switch (code) {
      case null:
      case 'RETRIED':
        return null;
      case 'FILE_TOO_LARGE':
        return t('conversation.files.tooLarge');
      case 'QUOTA_EXCEEDED':
        return t('conversation.files.quota');
      case 'STORAGE_FULL':
        return t('conversation.files.storageFull');
      case 'CANCELLED':
        return t('conversation.files.cancelled');
      default:
        return t('conversation.files.failed', { code });
    }
  };
  const [removeError, setRemoveError] = createSignal<string | null>(null);
  const remove = () => {
    setRemoveError(null);
    chat.removeFailed(props.message.id).catch((error: unknown) => {
      setRemoveError(describeChatError(t, error));
    });
  };
  const [picking, setPicking] = createSignal(false);
  const reactions = () => Object.entries(props.message.reactions);
  const pick = (emoji: string) => {
    setPicking(false);
    const mine = props.message.reactions[props.me];
    props.onReact(props.message.id, mine === emoji ? '' : emoji);
  };
  return (
    <li
      class="bubble"
      classList={{
        'bubble--outgoing': props.message.outgoing,
        'bubble--incoming': !props.message.outgoing,
        'bubble--failed': state() === 'failed',
      }}
    >
      <Show when={props.showAuthor && !props.message.outgoing}>
        <p class="bubble__author">@{props.message.author}</p>
      </Show>
      <Show when={props.message.replyTo !== null}>
        <blockquote class="bubble__quote">
          <Show when={props.quoted} fallback={t('conversation.quoteGone')}>
            {(quoted) => (
              <>
                <span class="bubble__quote-author">@{quoted().author}</span>
                <span class="bubble__quote-text">{quoted().text}</span>
              </>
            )}
          </Show>
        </blockquote>
      </Show>
      <Show when={props.message.attachment}>
        {(attachment) => <AttachmentView message={props.message} attachment={attachment()} />}
      </Show>
      <Show when={props.message.text !== '' || props.message.attachment === null}>
        <p class="bubble__text">{props.message.text}</p>
      </Show>
      <p class="bubble__meta">
        <Show when={props.message.expiresAt !== null || props.message.timerSeconds > 0}>
          <span class="bubble__timer" title={t('conversation.timer.disappears')}>
            <Icon name="clock" />
            <span class="visually-hidden">{t('conversation.timer.disappears')}</span>
          </span>
        </Show>
        <time datetime={new Date(props.message.sentAt).toISOString()}>
          {formatBubbleTime(props.message.sentAt, preferences.locale())}
        </time>
        <Show when={props.message.outgoing}>
          <span class={`bubble__state bubble__state--${state()}`}>
            <Icon name={STATE_ICONS[state()]} />
            <Show when={state() === 'delivered' || state() === 'read'}>
              <Icon name="check" class="bubble__second-check" />
            </Show>
            <span>{t(`conversation.states.${state()}`)}</span>
          </span>
        </Show>
      </p>
      <Show when={waitingLine()}>{(line) => <p class="bubble__waiting">{line()}</p>}</Show>
      <Show when={fileFailureLine()}>
        {(line) => (
          <p class="bubble__waiting bubble__failure" role="status">
            {line()}
          </p>
        )}
      </Show>
      <Show when={reactions().length > 0}>
        <p class="bubble__reactions">
          <span class="visually-hidden">
            {t('conversation.reactions', {
              list: reactions()
                .map(([who, emoji]) => `${emoji} @${who}`)
                .join(', '),
            })}
          </span>
          <For each={reactions()}>
            {([who, emoji]) => (
              <span class="reaction" title={`@${who}`} aria-hidden="true">
                {emoji}
              </span>
            )}
          </For>
        </p>
      </Show>
      <div class="bubble__actions">
        <button
          class="bubble__react"
          type="button"
          aria-label={t('conversation.reply')}
          title={t('conversation.reply')}
          onClick={() => {
            props.onReply(props.message);
          }}
        >
          <Icon name="reply" />
        </button>
        <button
          class="bubble__react"
          type="button"
          aria-expanded={picking()}
          aria-label={t('conversation.react')}
          title={t('conversation.react')}
          onClick={() => setPicking(!picking())}
        >
          <Icon name="smile" />
        </button>
        <Show when={picking()}>
          <span class="reaction-picker" role="group" aria-label={t('conversation.react')}>
            <For each={QUICK_REACTIONS}>
              {(emoji) => (
                <button
                  type="button"
                  class="reaction-picker__choice"
                  aria-pressed={props.message.reactions[props.me] === emoji}
                  aria-label={t('conversation.reactWith', { emoji })}
                  onClick={() => {
                    pick(emoji);
                  }}
                >
                  {emoji}
                </button>
              )}
            </For>
          </span>
        </Show>
      </div>
      <Show when={state() === 'failed' && props.message.failure !== 'RETRIED'}>
        <span class="bubble__actions">
          <button
            class="button button--ghost button--compact bubble__retry"
            type="button"
            onClick={() => {
              props.onRetry(props.message.id);
            }}
          >
            <Icon name="refresh" />
            {t('conversation.retry')}
          </button>
          <button
            class="button button--ghost button--compact bubble__retry"
            type="button"
            onClick={remove}
          >
            {t('common.remove')}
          </button>
        </span>
      </Show>
      <Show when={removeError()}>
        {(text) => (
          <p class="form__error" role="alert">
            {text()}
          </p>
        )}
      </Show>
    </li>
  );
}
