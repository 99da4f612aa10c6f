import { Show, createSignal, type Accessor, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { describeChatError } from './describeChatError.js';

/** Set once the person has read that photos lose their metadata; kept on this device only. */
const NOTICE_SEEN_KEY = 'vaultroom.files.metadataNoticeSeen';

function noticeSeen(): boolean {
  try {
    return localStorage.getItem(NOTICE_SEEN_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Sending files into a conversation: from the attach button, a paste or a drop onto the
 * conversation. The first time a photo's metadata is removed, the person is told, once.
 */
export function useFileSending(
  conversation: Accessor<string>,
  allowed: Accessor<boolean>,
  onError: (message: string | null) => void,
) {
  const { t, chat } = useApp();
  const [dropping, setDropping] = createSignal(false);
  const [noticeShown, setNoticeShown] = createSignal(false);
  const send = (files: readonly File[]) => {
    if (!allowed()) return;
    onError(null);
    const target = conversation();
    void (async () => {
      for (const file of files) {
        try {
          const removed = await chat.sendFile(target, file);
          if (removed && !noticeSeen()) setNoticeShown(true);
        } catch (error) {
          onError(describeChatError(t, error));
        }
      }
    })();
  };
  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') === true;
  const dropTarget = {
    onDragOver: (event: DragEvent) => {
      if (!hasFiles(event) || !allowed()) return;
      event.preventDefault();
      setDropping(true);
    },
    onDragLeave: (event: DragEvent) => {
      if (event.currentTarget === event.target) setDropping(false);
    },
    onDrop: (event: DragEvent) => {
      setDropping(false);
      if (!hasFiles(event)) return;
      event.preventDefault();
      send([...(event.dataTransfer?.files ?? [])]);
    },
  };
  const dismissNotice = () => {
    setNoticeShown(false);
    try {
      localStorage.setItem(NOTICE_SEEN_KEY, '1');
    } catch {
      // Shown again next time: no harm.
    }
  };
  return { send, dropping, dropTarget, noticeShown, dismissNotice };
}

/** The one-time notice that a photo's location and camera details were removed. */
export function MetadataNotice(props: {
  readonly show: boolean;
  readonly onDismiss: () => void;
}): JSX.Element {
  const { t } = useApp();
  return (
    <Show when={props.show}>
      <div class="metadata-notice" role="status">
        <Icon name="shield" />
        <p>{t('conversation.files.metadataRemoved')}</p>
        <button
          class="button button--ghost button--compact"
          type="button"
          onClick={() => {
            props.onDismiss();
          }}
        >
          {t('conversation.files.dismiss')}
        </button>
      </div>
    </Show>
  );
}
