import { createEffect, createSignal, on, onCleanup, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';

const DRAFT_SAVE_MS = 300;
const TYPING_IDLE_MS = 4000;

/**
 * The message field. The draft is saved as one types (and on leaving), so a reload, an update
 * or going offline never loses it; typing notices go out at most once per pause.
 */
export function Composer(props: {
  readonly conversation: string;
  /** The field's label: who the message goes to. */
  readonly label: string;
  readonly initialDraft: string;
  readonly disabled: boolean;
  readonly onSend: (text: string) => Promise<boolean>;
  /** Files chosen with the attach button or pasted into the field. */
  readonly onFiles: (files: readonly File[]) => void;
}): JSX.Element {
  const { t, chat, update } = useApp();
  const [text, setText] = createSignal(props.initialDraft);
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let typing = false;
  let field: HTMLTextAreaElement | undefined;
  let picker: HTMLInputElement | undefined;

  const saveNow = (conversation: string, draft: string) => {
    clearTimeout(saveTimer);
    chat.saveDraft(conversation, draft).catch(() => undefined);
  };
  const stopTyping = (conversation: string) => {
    clearTimeout(typingTimer);
    if (typing) chat.setTyping(conversation, false);
    typing = false;
  };

  // Another conversation: keep the draft of the one being left, load the new one's.
  createEffect(
    on(
      () => props.conversation,
      (_conversation, previous) => {
        if (previous !== undefined) {
          saveNow(previous, text());
          stopTyping(previous);
        }
        setText(props.initialDraft);
      },
      { defer: true },
    ),
  );
  onCleanup(() => {
    saveNow(props.conversation, text());
    stopTyping(props.conversation);
  });
  // Accepting an update reloads the page at once: the text typed since the last pause is saved
  // first, since the pending save would die with the page.
  // eslint-disable-next-line solid/reactivity -- read when the update is accepted, on purpose
  onCleanup(update.beforeReload(() => chat.saveDraft(props.conversation, text())));

  const onInput = (value: string) => {
    setText(value);
    const conversation = props.conversation;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveNow(conversation, value);
    }, DRAFT_SAVE_MS);
    if (value.trim() === '') {
      stopTyping(conversation);
      return;
    }
    if (!typing) chat.setTyping(conversation, true);
    typing = true;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      stopTyping(conversation);
    }, TYPING_IDLE_MS);
  };

  const send = async () => {
    const value = text();
    if (value.trim() === '' || props.disabled) return;
    const conversation = props.conversation;
    clearTimeout(saveTimer);
    clearTimeout(typingTimer);
    typing = false;
    if (await props.onSend(value)) {
      setText('');
      field?.focus();
    } else {
      saveNow(conversation, value);
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <input
        ref={picker}
        class="visually-hidden"
        type="file"
        multiple
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          const files = [...(event.currentTarget.files ?? [])];
          event.currentTarget.value = '';
          if (files.length > 0) props.onFiles(files);
        }}
      />
      <button
        class="button button--ghost composer__attach"
        type="button"
        disabled={props.disabled}
        title={t('conversation.files.attach')}
        onClick={() => picker?.click()}
      >
        <Icon name="paperclip" />
        <span class="visually-hidden">{t('conversation.files.attach')}</span>
      </button>
      <label class="visually-hidden" for="composer-field">
        {props.label}
      </label>
      <textarea
        id="composer-field"
        ref={field}
        class="composer__field"
        rows={1}
        // Chromium keeps a field's text in its session-restore files (Sessions/ in the profile),
        // readable while the app is locked; it saves none for a field with autocomplete off.
        autocomplete="off"
        placeholder={t('conversation.composerPlaceholder')}
        aria-describedby="composer-hint"
        value={text()}
        disabled={props.disabled}
        onInput={(event) => {
          onInput(event.currentTarget.value);
        }}
        onPaste={(event) => {
          const files = [...(event.clipboardData?.files ?? [])];
          if (files.length === 0) return;
          event.preventDefault();
          props.onFiles(files);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <span id="composer-hint" class="visually-hidden">
        {t('conversation.sendHint')}
      </span>
      <button
        class="button button--primary composer__send"
        type="submit"
        disabled={props.disabled || text().trim() === ''}
      >
        <Icon name="send" />
        <span class="visually-hidden">{t('conversation.send')}</span>
      </button>
    </form>
  );
}
