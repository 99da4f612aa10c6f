import { handleKey } from '@vaultroom/shared';
import { For, Show, createSignal, type JSX } from 'solid-js';
import { isVerified, type GroupState } from '../../../core/chat/chatRecords.js';
import { useApp } from '../../../state/AppContext.js';
import { Icon } from '../Icon.js';
import { describeChatError } from './describeChatError.js';
import { splitHandles } from '../../../core/account/splitHandles.js';
import { HandlesInput } from './HandlesInput.js';
import { SafetyNumberPanel } from './SafetyNumberPanel.js';

/**
 * A group's name and members: rename, add people, remove someone, compare safety numbers with
 * each member, or leave. Every change needs the relay, which checks each new handle.
 */
export function GroupPanel(props: {
  readonly conversation: string;
  readonly group: GroupState;
  readonly onClose: () => void;
}): JSX.Element {
  const { t, chat, session } = useApp();
  const me = () => handleKey(session.account()?.handle ?? '');
  // eslint-disable-next-line solid/reactivity -- the field starts from the name, then is the person's
  const [name, setName] = createSignal(props.group.name);
  const [adding, setAdding] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [confirmLeave, setConfirmLeave] = createSignal(false);
  const [safetyWith, setSafetyWith] = createSignal<string | null>(null);

  const run = async (change: () => Promise<void>): Promise<boolean> => {
    if (busy()) return false;
    setBusy(true);
    setError(null);
    try {
      await change();
      return true;
    } catch (failure) {
      setError(describeChatError(t, failure));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const verified = (handle: string): boolean => {
    const contact = chat.contact(handleKey(handle));
    return contact !== undefined && isVerified(contact);
  };

  return (
    <section class="group-panel" aria-labelledby="group-panel-title" aria-busy={busy()}>
      <div class="group-panel__header">
        <h2 id="group-panel-title" class="group-panel__title">
          {t('groupPanel.title')}
        </h2>
        <button
          class="button button--ghost button--compact"
          type="button"
          onClick={() => {
            props.onClose();
          }}
        >
          <Icon name="close" />
          <span>{t('groupPanel.close')}</span>
        </button>
      </div>

      <form
        class="group-panel__row"
        onSubmit={(event) => {
          event.preventDefault();
          const conversation = props.conversation;
          const next = name();
          void run(() => chat.renameGroup(conversation, next));
        }}
      >
        <label class="field__label" for="group-name">
          {t('groupPanel.nameLabel')}
        </label>
        <div class="group-panel__inline">
          <input
            id="group-name"
            class="field__input"
            maxlength={64}
            autocomplete="off"
            value={name()}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <button
            class="button button--secondary"
            type="submit"
            disabled={busy() || name().trim() === props.group.name}
          >
            {t('groupPanel.rename')}
          </button>
        </div>
      </form>

      <h3 class="group-panel__subtitle">
        {t('groupPanel.members', { count: props.group.members.length })}
      </h3>
      <ul class="group-panel__members">
        <For each={props.group.members}>
          {(member) => (
            <li class="member-row">
              <span class="avatar avatar--small" aria-hidden="true">
                {member.slice(0, 1).toUpperCase()}
              </span>
              <span class="member-row__name">
                @{member}
                <Show when={handleKey(member) === me()}>
                  <span class="member-row__you"> · {t('groupPanel.you')}</span>
                </Show>
                <Show when={handleKey(member) !== me() && verified(member)}>
                  <span class="member-row__verified">
                    <Icon name="shield" />
                    <span>{t('conversation.verified')}</span>
                  </span>
                </Show>
              </span>
              <Show when={handleKey(member) !== me()}>
                <span class="member-row__actions">
                  <button
                    class="button button--ghost button--compact"
                    type="button"
                    aria-label={t('groupPanel.safetyOf', { peer: member })}
                    title={t('groupPanel.safetyOf', { peer: member })}
                    aria-expanded={safetyWith() === member}
                    onClick={() => setSafetyWith(safetyWith() === member ? null : member)}
                  >
                    <Icon name={verified(member) ? 'shield' : 'lock'} />
                  </button>
                  <button
                    class="button button--ghost button--compact"
                    type="button"
                    aria-label={t('groupPanel.removeMember', { peer: member })}
                    disabled={busy()}
                    onClick={() => {
                      const conversation = props.conversation;
                      void run(() => chat.removeMember(conversation, member));
                    }}
                  >
                    {t('groupPanel.remove')}
                  </button>
                </span>
              </Show>
            </li>
          )}
        </For>
      </ul>

      <Show when={safetyWith()}>
        {(member) => (
          <SafetyNumberPanel
            conversation={handleKey(member())}
            peer={member()}
            verified={verified(member())}
            onClose={() => setSafetyWith(null)}
          />
        )}
      </Show>

      <form
        class="group-panel__row"
        onSubmit={(event) => {
          event.preventDefault();
          const handles = splitHandles(adding());
          if (handles.length === 0) return;
          const conversation = props.conversation;
          void run(() => chat.addMembers(conversation, handles)).then((done) => {
            if (done) setAdding('');
          });
        }}
      >
        <label class="field__label" for="group-add">
          {t('groupPanel.addLabel')}
        </label>
        <div class="group-panel__inline">
          <HandlesInput
            id="group-add"
            value={adding()}
            onInput={setAdding}
            describedBy="group-add-hint"
          />
          <button
            class="button button--secondary"
            type="submit"
            disabled={busy() || adding().trim() === ''}
          >
            <Icon name="plus" />
            {t('groupPanel.add')}
          </button>
        </div>
        <p id="group-add-hint" class="field__hint">
          {t('conversations.membersHint')}
        </p>
      </form>

      <div role="status" class="group-panel__status">
        <Show when={busy()}>
          <p class="field__hint">{t('groupPanel.saving')}</p>
        </Show>
      </div>
      <Show when={error()}>
        {(message) => (
          <p class="form__error" role="alert">
            {message()}
          </p>
        )}
      </Show>

      <div class="group-panel__leave">
        <Show
          when={confirmLeave()}
          fallback={
            <button
              class="button button--danger"
              type="button"
              disabled={busy()}
              onClick={() => setConfirmLeave(true)}
            >
              {t('groupPanel.leave')}
            </button>
          }
        >
          <p class="group-panel__confirm">
            {t('groupPanel.leaveConfirm', { name: props.group.name })}
          </p>
          <div class="group-panel__inline">
            <button
              class="button button--danger"
              type="button"
              disabled={busy()}
              onClick={() => {
                const conversation = props.conversation;
                const close = props.onClose;
                void run(() => chat.leaveGroup(conversation)).then((done) => {
                  if (done) close();
                });
              }}
            >
              {t('groupPanel.leaveYes')}
            </button>
            <button
              class="button button--ghost"
              type="button"
              onClick={() => setConfirmLeave(false)}
            >
              {t('common.cancel')}
            </button>
          </div>
        </Show>
      </div>
    </section>
  );
}
