import { onCleanup, onMount, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';

/**
 * A photo full size in a modal dialog: the rest of the page is inert while it is open (focus
 * stays inside), Escape closes it, and focus goes back to the thumbnail that opened it.
 */
export function PhotoViewer(props: {
  readonly url: string;
  /** What the photo shows in words: its caption, else its name. */
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
      aria-label={t('conversation.files.viewer')}
      onClose={() => {
        props.onClose();
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog itself, outside the picture) closes it.
        if (event.target === dialog) dialog.close();
      }}
    >
      <img class="photo-viewer__image" src={props.url} alt={props.alt} />
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
