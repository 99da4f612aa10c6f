import { Show, createMemo, createSignal, onCleanup, type JSX } from 'solid-js';
import { isPicture, isVideo } from '../../../core/chat/attachmentRecord.js';
import type { MessageRecord } from '../../../core/chat/chatRecords.js';
import type { AttachmentRecord } from '../../../core/chat/attachmentRecord.js';
import type { ServedFile } from '../../../core/files/ServeFile.js';
import { formatByteSize } from '../../format/formatByteSize.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { describeChatError } from './describeChatError.js';
import { MediaViewer } from './MediaViewer.js';

const percent = (done: number, total: number) =>
  String(total === 0 ? 0 : Math.floor((done / total) * 100));

/**
 * Hands a served file to the system to save, under its display name (never a path). A streamed
 * one is opened in a hidden frame: Chromium sends the navigation, not an <a download>, through
 * the service worker, and the worker's answer names it an attachment. A Blob (no worker) goes
 * by a link, since the CSP lets frames load only this origin.
 */
function saveServed(served: ServedFile, name: string): void {
  if (served.streamed) {
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = served.url;
    document.body.append(frame);
    void served.closed.then(() => {
      frame.remove();
    });
    return;
  }
  const link = document.createElement('a');
  link.href = served.url;
  link.download = name === '' ? 'file' : name;
  link.click();
}

/**
 * A message's file in its bubble: a photo's preview or a video's poster, which open the viewer,
 * or a card with the file's name, type and size and its buttons (download, save, play); the
 * upload's or download's progress with a cancel button; what went wrong, in words. Files are
 * decrypted as the browser reads them (`chat.openAttachment`), never held whole.
 */
export function AttachmentView(props: {
  readonly message: MessageRecord;
  readonly attachment: AttachmentRecord;
}): JSX.Element {
  const { t, chat, preferences } = useApp();
  const [downloading, setDownloading] = createSignal<AbortController | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [viewing, setViewing] = createSignal<ServedFile | null>(null);
  const kind = () =>
    isPicture(props.attachment) ? 'photo' : isVideo(props.attachment) ? 'video' : 'file';
  const viewable = () => kind() !== 'file';
  const thumbnailUrl = createMemo(() => {
    if (!viewable() || props.attachment.thumbnail.length === 0) return null;
    const url = URL.createObjectURL(
      new Blob([props.attachment.thumbnail as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }),
    );
    onCleanup(() => {
      URL.revokeObjectURL(url);
    });
    return url;
  });
  onCleanup(() => viewing()?.close());
  const transfer = () => chat.transfer(props.message.id);
  const uploading = () =>
    props.message.outgoing && props.message.state === 'queued' && props.attachment.blobId === '';
  const name = () => props.attachment.fileName;
  const alt = () => (props.message.text === '' ? name() : props.message.text);
  const video = () => kind() === 'video';

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
  const openAs = async (disposition: 'attachment' | 'inline') => {
    if (!(await fetchFile())) return;
    try {
      const served = await chat.openAttachment(props.message.id, disposition);
      if (disposition === 'inline') setViewing(served);
      else saveServed(served, name());
    } catch (failure) {
      setError(describeChatError(t, failure));
    }
  };
  const view = () => void openAs('inline');
  const save = () => void openAs('attachment');
  const here = () => props.attachment.localFile !== null;

  return (
    <div class="attachment" classList={{ 'attachment--picture': thumbnailUrl() !== null }}>
      <Show
        when={thumbnailUrl()}
        fallback={
          <div class="attachment__card">
            <Icon name={video() ? 'play' : 'file'} class="attachment__icon" />
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
              <Show when={video()}>
                <button
                  class="button button--ghost button--compact"
                  type="button"
                  aria-label={t('conversation.files.play', { name: name() })}
                  onClick={view}
                >
                  <Icon name="play" />
                  {t('conversation.files.playShort')}
                </button>
              </Show>
              <button class="button button--ghost button--compact" type="button" onClick={save}>
                <Icon name="download" />
                {here() ? t('conversation.files.save') : t('conversation.files.download')}
              </button>
            </Show>
          </div>
        }
      >
        {(url) => (
          <button
            class="attachment__picture"
            classList={{ 'attachment__picture--video': video() }}
            type="button"
            aria-label={t(video() ? 'conversation.files.play' : 'conversation.files.open', {
              name: alt(),
            })}
            onClick={view}
            style={{
              'aspect-ratio':
                props.attachment.width > 0
                  ? `${String(props.attachment.width)} / ${String(props.attachment.height)}`
                  : undefined,
            }}
          >
            <img
              src={url()}
              alt={t(video() ? 'conversation.files.video' : 'conversation.files.picture', {
                name: alt(),
              })}
            />
            <Show when={video()}>
              <span class="attachment__play" aria-hidden="true">
                <Icon name="play" />
              </span>
            </Show>
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
          <MediaViewer
            kind={video() ? 'video' : 'photo'}
            url={open().url}
            alt={alt()}
            onSave={save}
            onClose={() => {
              open().close();
              setViewing(null);
            }}
          />
        )}
      </Show>
    </div>
  );
}
