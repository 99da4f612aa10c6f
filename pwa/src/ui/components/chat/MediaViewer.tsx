import { Show, onCleanup, onMount, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';

/**
 * A photo full size, or a video with the browser's own controls (keyboard and screen reader
 * usable, seeking by Range requests), in a modal dialog: the rest of the page is inert while it
 * is open (focus stays inside), Escape closes it, and focus goes back to what opened it.
 */
export function MediaViewer(props: {
  readonly kind: 'photo' | 'video';
  /** The file served for viewing (`openAttachment(…, 'inline')`). */
  readonly url: string;
  /** What it shows in words: its caption, else its name. */
  readonly alt: string;
  readonly onSave: () => void;
  readonly onClose: () => void;
}): JSX.Element {
  const { t } = useApp();
  let dialog: HTMLDialogElement | undefined;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  onMount(() => {
    dialog?.showModal();
  });
  onCleanup(() => {
    opener?.focus();
  });
  return (
    <dialog
      ref={dialog}
      class="photo-viewer"
      aria-label={t(
        props.kind === 'video' ? 'conversation.files.videoViewer' : 'conversation.files.viewer',
      )}
      onClose={() => {
        props.onClose();
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog itself, outside the picture) closes it.
        if (event.target === dialog) dialog.close();
      }}
    >
      <Show
        when={props.kind === 'video'}
        fallback={<img class="photo-viewer__image" src={props.url} alt={props.alt} />}
      >
        <video
          class="photo-viewer__image"
          src={props.url}
          controls
          preload="metadata"
          aria-label={props.alt}
        />
      </Show>
      <div class="photo-viewer__actions">
        <button
          class="button button--ghost photo-viewer__button"
          type="button"
          onClick={() => {
            props.onSave();
          }}
        >
          <Icon name="download" />
          {t('conversation.files.save')}
        </button>
        <button
          class="button button--ghost photo-viewer__button"
          type="button"
          onClick={() => dialog?.close()}
        >
          <Icon name="close" />
          <span class="visually-hidden">{t('conversation.files.close')}</span>
        </button>
      </div>
    </dialog>
  );
}
