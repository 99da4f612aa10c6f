import { Show, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';
import { splitHandles } from '../../../core/account/splitHandles.js';
import { describeChatError } from './describeChatError.js';
import { HandlesInput } from './HandlesInput.js';

type Kind = 'person' | 'group';

/**
 * Starts a conversation by handle, or a group with a name and members; the relay is asked
 * whether each person exists before anything is created.
 */
export function NewConversationForm(props: {
  readonly onStarted: (conversation: string) => void;
  readonly onCancel: () => void;
}): JSX.Element {
  const { t, chat } = useApp();
  const [kind, setKind] = createSignal<Kind>('person');
  const [handle, setHandle] = createSignal('');
  const [groupName, setGroupName] = createSignal('');
  const [members, setMembers] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let firstField: HTMLInputElement | undefined;

  const ready = (): boolean =>
    kind() === 'person'
      ? handle().trim() !== ''
      : groupName().trim() !== '' && splitHandles(members()).length > 0;

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    if (!ready() || busy()) return;
    setBusy(true);
    setError(null);
    try {
      const conversation =
        kind() === 'person'
          ? await chat.startConversation(handle())
          : await chat.createGroup(groupName(), splitHandles(members()));
      props.onStarted(conversation.id);
    } catch (failure) {
      setError(describeChatError(t, failure));
    } finally {
      setBusy(false);
    }
  };

  const choose = (next: Kind) => {
    setKind(next);
    setError(null);
    queueMicrotask(() => firstField?.focus());
  };

  const errorId = 'new-conversation-error';
  const describedBy = () => (error() === null ? undefined : errorId);

  return (
    <form class="new-conversation" onSubmit={(event) => void submit(event)} aria-busy={busy()}>
      <fieldset class="segmented new-conversation__kind">
        <legend class="visually-hidden">{t('conversations.kindLegend')}</legend>
        <label class="segmented__option">
          <input
            type="radio"
            name="conversation-kind"
            value="person"
            checked={kind() === 'person'}
            onChange={() => {
              choose('person');
            }}
          />
          <span>{t('conversations.kindPerson')}</span>
        </label>
        <label class="segmented__option">
          <input
            type="radio"
            name="conversation-kind"
            value="group"
            checked={kind() === 'group'}
            onChange={() => {
              choose('group');
            }}
          />
          <span>{t('conversations.kindGroup')}</span>
        </label>
      </fieldset>

      <Show
        when={kind() === 'group'}
        fallback={
          <>
            <label class="field__label" for="new-conversation-handle">
              {t('conversations.handleLabel')}
            </label>
            <div class="field__prefixed">
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
                aria-describedby={describedBy()}
                ref={(input) => {
                  firstField = input;
                  queueMicrotask(() => {
                    input.focus();
                  });
                }}
              />
            </div>
          </>
        }
      >
        <label class="field__label" for="new-group-name">
          {t('conversations.groupNameLabel')}
        </label>
        <input
          id="new-group-name"
          class="field__input"
          name="group-name"
          autocomplete="off"
          maxlength={64}
          placeholder={t('conversations.groupNamePlaceholder')}
          value={groupName()}
          onInput={(event) => setGroupName(event.currentTarget.value)}
          aria-invalid={error() !== null}
          aria-describedby={describedBy()}
          ref={(input) => {
            firstField = input;
          }}
        />
        <label class="field__label" for="new-group-members">
          {t('conversations.membersLabel')}
        </label>
        <HandlesInput
          id="new-group-members"
          name="members"
          value={members()}
          onInput={setMembers}
          invalid={error() !== null}
          describedBy={`new-group-members-hint${error() === null ? '' : ` ${errorId}`}`}
        />
        <p id="new-group-members-hint" class="field__hint">
          {t('conversations.membersHint')}
        </p>
      </Show>

      <div class="new-conversation__actions">
        <button class="button button--primary" type="submit" disabled={busy()}>
          {kind() === 'person'
            ? busy()
              ? t('conversations.starting')
              : t('conversations.start')
            : busy()
              ? t('conversations.creatingGroup')
              : t('conversations.createGroup')}
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
          <p id={errorId} class="field__error" role="alert">
            {message()}
          </p>
        )}
      </Show>
    </form>
  );
}
