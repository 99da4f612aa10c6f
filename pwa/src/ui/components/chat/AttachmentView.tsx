import { Show, createMemo, createSignal, onCleanup, type JSX } from 'solid-js';
import { isPicture } from '../../../core/chat/attachmentRecord.js';
import type { MessageRecord } from '../../../core/chat/chatRecords.js';
import type { AttachmentRecord } from '../../../core/chat/attachmentRecord.js';
import { formatByteSize } from '../../format/formatByteSize.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { describeChatError } from './describeChatError.js';
import { PhotoViewer } from './PhotoViewer.js';

const percent = (done: number, total: number) =>
  String(total === 0 ? 0 : Math.floor((done / total) * 100));

/** Hands a file to the system to save, under its display name (never resolved as a path). */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name === '' ? 'file' : name;
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}

/**
 * A message's file in its bubble: a photo's preview, which opens the viewer, or a card with the
 * file's name, type and size and a download or save button; the upload's or download's progress
 * with a cancel button; what went wrong, in words.
 */
export function AttachmentView(props: {
  readonly message: MessageRecord;
  readonly attachment: AttachmentRecord;
}): JSX.Element {
  const { t, chat, preferences } = useApp();
  const [downloading, setDownloading] = createSignal<AbortController | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [viewing, setViewing] = createSignal<{ url: string; blob: Blob } | null>(null);
  const picture = () => isPicture(props.attachment) && props.attachment.thumbnail.length > 0;
  const thumbnailUrl = createMemo(() => {
    if (!picture()) return null;
    const url = URL.createObjectURL(
      new Blob([props.attachment.thumbnail as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }),
    );
    onCleanup(() => {
      URL.revokeObjectURL(url);
    });
    return url;
  });
  const transfer = () => chat.transfer(props.message.id);
  const uploading = () =>
    props.message.outgoing && props.message.state === 'queued' && props.attachment.blobId === '';
  const name = () => props.attachment.fileName;
  const alt = () => (props.message.text === '' ? name() : props.message.text);

  /** Downloads the file if it is not here yet; true once it is. */
  const fetchFile = async (): Promise<boolean> => {
    if (props.attachment.localFile !== null) return true;
    const abort = new AbortController();
    setDownloading(abort);
    setError(null);
    try {
      await chat.downloadAttachment(props.message.id, abort.signal);
      return true;
    } catch (failure) {
      setError(describeChatError(t, failure));
      return false;
    } finally {
      setDownloading(null);
    }
  };
  const open = async () => {
    if (!(await fetchFile())) return;
    try {
      const blob = await chat.openAttachment(props.message.id);
      if (picture()) setViewing({ url: URL.createObjectURL(blob), blob });
      else saveBlob(blob, name());
    } catch (failure) {
      setError(describeChatError(t, failure));
    }
  };

  return (
    <div class="attachment" classList={{ 'attachment--picture': picture() }}>
      <Show
        when={thumbnailUrl()}
        fallback={
          <div class="attachment__card">
            <Icon name="file" class="attachment__icon" />
            <p class="attachment__about">
              <span class="attachment__name">{name()}</span>
              <span class="attachment__details">
                {t('conversation.files.details', {
                  type: props.attachment.mimeType,
                  size: formatByteSize(props.attachment.size, preferences.locale()),
                })}
              </span>
            </p>
            <Show when={!uploading() && props.attachment.blobId !== '' && downloading() === null}>
              <button
                class="button button--ghost button--compact"
                type="button"
                onClick={() => void open()}
              >
                <Icon name="download" />
                {props.attachment.localFile === null
                  ? t('conversation.files.download')
                  : t('conversation.files.save')}
              </button>
            </Show>
          </div>
        }
      >
        {(url) => (
          <button
            class="attachment__picture"
            type="button"
            aria-label={t('conversation.files.open', { name: alt() })}
            onClick={() => void open()}
            style={{
              'aspect-ratio':
                props.attachment.width > 0
                  ? `${String(props.attachment.width)} / ${String(props.attachment.height)}`
                  : undefined,
            }}
          >
            <img src={url()} alt={t('conversation.files.picture', { name: alt() })} />
          </button>
        )}
      </Show>
      <Show when={uploading() || downloading() !== null}>
        <div class="attachment__progress" role="status">
          <Show when={transfer()} fallback={<span>{t('conversation.files.waitingUpload')}</span>}>
            {(now) => (
              <>
                <progress max={now().total} value={now().done} />
                <span>
                  {t(
                    now().direction === 'upload'
                      ? 'conversation.files.uploading'
                      : 'conversation.files.downloading',
                    { percent: percent(now().done, now().total) },
                  )}
                </span>
              </>
            )}
          </Show>
          <button
            class="button button--ghost button--compact"
            type="button"
            onClick={() => {
              const running = downloading();
              if (running !== null) running.abort();
              else void chat.cancelUpload(props.message.id);
            }}
          >
            {t('conversation.files.cancel')}
          </button>
        </div>
      </Show>
      <Show when={error()}>
        {(text) => (
          <p class="attachment__error" role="alert">
            {text()}
          </p>
        )}
      </Show>
      <Show when={viewing()}>
        {(open) => (
          <PhotoViewer
            url={open().url}
            alt={alt()}
            onSave={() => {
              saveBlob(open().blob, name());
            }}
            onClose={() => {
              URL.revokeObjectURL(open().url);
              setViewing(null);
            }}
          />
        )}
      </Show>
    </div>
  );
}
