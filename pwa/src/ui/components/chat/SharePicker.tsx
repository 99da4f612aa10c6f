import { useNavigate, useSearchParams } from '@solidjs/router';
import { For, Show, createEffect, createSignal, type JSX } from 'solid-js';
import { takeSharedFiles } from '../../../core/files/shareInbox.js';
import { useApp } from '../../../state/AppContext.js';
import { useConversationPaths } from './useConversationPaths.js';
import { describeChatError } from './describeChatError.js';

/**
 * Files shared from another app (Web Share Target) land on `/conversations?share=1`: this asks
 * which conversation they go to, in a modal dialog, and sends them there. The inbox is emptied
 * as the dialog opens; declining drops the files; nothing is sent without a choice.
 */
export function SharePicker(): JSX.Element {
  const { t, chat, chatLock } = useApp();
  const [search, setSearch] = useSearchParams<{ share?: string }>();
  const navigate = useNavigate();
  const paths = useConversationPaths();
  const [files, setFiles] = createSignal<File[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  let dialog: HTMLDialogElement | undefined;

  // Taken once the chat is open (unlocked), since only its sealed store holds the key the files
  // were encrypted to: the screen may be built again on unlocking, and files taken by a screen
  // that is gone would be lost. Once taken they are out of the inbox, held by this dialog alone.
  // Not only on the share's landing page: files shared while the chat was locked are offered at
  // the next unlock, wherever the app was opened.
  let taking = false;
  createEffect(() => {
    const key = chatLock.shareInbox();
    // Read to run again when the app lands on the share page without a reload.
    const landing = search.share;
    if (chat.status() !== 'ready' || key === null || taking) return;
    taking = true;
    void takeSharedFiles(caches, key)
      .then((taken) => {
        if (landing !== undefined) setSearch({ share: undefined }, { replace: true });
        if (taken.files.length === 0 && taken.damaged === 0) return;
        setError(taken.damaged > 0 ? t('conversation.share.damaged') : null);
        setFiles((waiting) => [...waiting, ...taken.files]);
        if (dialog?.open !== true) dialog?.showModal();
      })
      .catch((failure: unknown) => {
        console.warn('share inbox: could not take the shared files', failure);
      })
      .finally(() => {
        taking = false;
      });
  });

  const choose = async (conversation: string) => {
    setError(null);
    try {
      for (const file of files()) await chat.sendFile(conversation, file);
      setFiles([]);
      dialog?.close();
      navigate(paths.pathOf(conversation));
    } catch (failure) {
      setError(describeChatError(t, failure));
    }
  };

  return (
    <dialog
      ref={dialog}
      class="share-picker"
      aria-label={t('conversation.share.title')}
      onClose={() => {
        setFiles([]);
      }}
    >
      <h2 class="share-picker__title">{t('conversation.share.title')}</h2>
      <Show
        when={chat.conversations().length > 0 || files().length === 0}
        fallback={<p>{t('conversation.share.none')}</p>}
      >
        <Show when={files().length > 0}>
          <p>{t('conversation.share.choose', { count: String(files().length) })}</p>
        </Show>
        <ul class="share-picker__list">
          <For each={files().length > 0 ? chat.conversations() : []}>
            {(conversation) => (
              <li>
                <button
                  class="button button--secondary share-picker__choice"
                  type="button"
                  onClick={() => void choose(conversation.id)}
                >
                  {conversation.group?.name ?? `@${conversation.peer}`}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={error()}>
        {(text) => (
          <p class="form__error" role="alert">
            {text()}
          </p>
        )}
      </Show>
      <button class="button button--ghost" type="button" onClick={() => dialog?.close()}>
        {t('conversation.share.cancel')}
      </button>
    </dialog>
  );
}
