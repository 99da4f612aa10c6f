import { Show, type JSX } from 'solid-js';
import type { MessageRecord } from '../../../core/chat/chatRecords.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon, type IconName } from '../Icon.js';
import { formatBubbleTime } from './formatMessageTime.js';

const STATE_ICONS: Record<MessageRecord['state'], IconName> = {
  queued: 'clock',
  sent: 'check',
  delivered: 'check',
  read: 'check',
  failed: 'warning',
};

/** One message: text, time and, for one's own, its delivery state (and a retry if it failed). */
export function MessageBubble(props: {
  readonly message: MessageRecord;
  readonly onRetry: (id: string) => void;
}): JSX.Element {
  const { t, preferences } = useApp();
  const state = () => props.message.state;
  return (
    <li
      class="bubble"
      classList={{
        'bubble--outgoing': props.message.outgoing,
        'bubble--incoming': !props.message.outgoing,
        'bubble--failed': state() === 'failed',
      }}
    >
      <p class="bubble__text">{props.message.text}</p>
      <p class="bubble__meta">
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
      <Show when={state() === 'failed' && props.message.failure !== 'RETRIED'}>
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
      </Show>
    </li>
  );
}
