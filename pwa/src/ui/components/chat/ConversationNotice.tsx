import { handleKey } from '@vaultroom/shared';
import type { JSX } from 'solid-js';
import type { MessageRecord } from '../../../core/chat/chatRecords.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { timerKeyOf } from './timerChoices.js';

/** "@alex, @sam and @kim", in the interface's language. */
function listOf(handles: readonly string[], locale: string): string {
  return new Intl.ListFormat(locale, { type: 'conjunction' }).format(
    handles.map((handle) => `@${handle}`),
  );
}

function iconOf(kind: NonNullable<MessageRecord['notice']>['kind'] | undefined) {
  if (kind === 'group') return 'users';
  return kind === 'key-change' || kind === 'device-list-conflict' || kind === 'key-not-logged'
    ? 'warning'
    : 'clock';
}

/**
 * A line about the conversation itself: who changed the disappearing-message timer, who
 * created, renamed, joined or left a group, or whose safety number changed.
 */
export function ConversationNotice(props: {
  readonly message: MessageRecord;
  /** The signed-in person's handle: "you" rather than their handle. */
  readonly me: string;
}): JSX.Element {
  const { t, preferences } = useApp();
  const timerText = (seconds: number): string => {
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
  const text = (): string => {
    const notice = props.message.notice;
    if (notice === null) return '';
    if (notice.kind === 'timer') return timerText(notice.seconds);
    const peer = props.message.author;
    if (notice.kind === 'key-change') return t('conversation.keyChangeNotice', { peer });
    if (notice.kind === 'device-list-conflict') {
      return t('conversation.listConflictNotice', { peer });
    }
    if (notice.kind === 'key-not-logged') return t('conversation.keyNotLoggedNotice', { peer });
    const mine = props.message.outgoing;
    const me = handleKey(props.me);
    const aboutMe = notice.subjects.some((subject) => handleKey(subject) === me);
    const values = {
      peer,
      name: notice.name,
      members: listOf(notice.subjects, preferences.locale()),
    };
    switch (notice.change) {
      case 'created':
        return t('conversation.group.createdByYou', values);
      case 'added':
        if (mine) return t('conversation.group.addedByYou', values);
        return aboutMe
          ? t('conversation.group.addedYou', values)
          : t('conversation.group.added', values);
      case 'removed':
        if (mine) return t('conversation.group.removedByYou', values);
        return aboutMe
          ? t('conversation.group.removedYou', values)
          : t('conversation.group.removed', values);
      case 'left':
        return mine ? t('conversation.group.leftYou') : t('conversation.group.left', values);
      case 'renamed':
        return mine
          ? t('conversation.group.renamedByYou', values)
          : t('conversation.group.renamed', values);
      case 'no-account':
        return t('conversation.group.noAccount', values);
    }
  };
  return (
    <li class="conversation__notice">
      <Icon name={iconOf(props.message.notice?.kind)} />
      <span>{text()}</span>
    </li>
  );
}
