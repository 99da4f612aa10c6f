import { Show, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { describeChatError } from './describeChatError.js';

/** Starts a conversation by handle; the relay is asked whether that person exists. */
export function NewConversationForm(props: {
  readonly onStarted: (conversation: string) => void;
  readonly onCancel: () => void;
}): JSX.Element {
  const { t, chat } = useApp();
  const [handle, setHandle] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    if (handle().trim() === '' || busy()) return;
    setBusy(true);
    setError(null);
    try {
      const conversation = await chat.startConversation(handle());
      props.onStarted(conversation.id);
    } catch (failure) {
      setError(describeChatError(t, failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="new-conversation" onSubmit={(event) => void submit(event)} aria-busy={busy()}>
      <label class="field__label" for="new-conversation-handle">
        {t('conversations.handleLabel')}
      </label>
      <div class="new-conversation__row">
        <div class="field__prefixed new-conversation__field">
          <span class="field__prefix" aria-hidden="true">
            @
          </span>
          <input
            id="new-conversation-handle"
            class="field__input"
            name="handle"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            placeholder={t('conversations.handlePlaceholder')}
            value={handle()}
            onInput={(event) => setHandle(event.currentTarget.value)}
            aria-invalid={error() !== null}
            aria-describedby={error() === null ? undefined : 'new-conversation-error'}
            ref={(input) => {
              queueMicrotask(() => {
                input.focus();
              });
            }}
          />
        </div>
        <button class="button button--primary" type="submit" disabled={busy()}>
          {busy() ? t('conversations.starting') : t('conversations.start')}
        </button>
        <button
          class="button button--ghost"
          type="button"
          onClick={() => {
            props.onCancel();
          }}
        >
          {t('common.cancel')}
        </button>
      </div>
      <Show when={error()}>
        {(message) => (
          <p id="new-conversation-error" class="field__error" role="alert">
            {message()}
          </p>
        )}
      </Show>
    </form>
  );
}
