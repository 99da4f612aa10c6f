import type { JSX } from 'solid-js';
import type { MessageRecord } from '../../../core/chat/chatRecords.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { timerKeyOf } from './timerChoices.js';

/** A line about the conversation itself: who changed the disappearing-message timer. */
export function ConversationNotice(props: { readonly message: MessageRecord }): JSX.Element {
  const { t } = useApp();
  const text = (): string => {
    const seconds = props.message.notice?.seconds ?? 0;
    const key = timerKeyOf(seconds);
    const duration = key === null ? `${String(seconds)} s` : t(`conversation.timer.${key}`);
    const peer = props.message.author;
    if (seconds === 0) {
      return props.message.outgoing
        ? t('conversation.timer.offByYou')
        : t('conversation.timer.offBy', { peer });
    }
    return props.message.outgoing
      ? t('conversation.timer.setByYou', { duration })
      : t('conversation.timer.setBy', { peer, duration });
  };
  return (
    <li class="conversation__notice">
      <Icon name="clock" />
      <span>{text()}</span>
    </li>
  );
}
