import { Show, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import type { UnlockOutcome } from '../../state/createChatLock.js';
import { useDocumentTitle } from '../useDocumentTitle.js';
import { Icon } from './Icon.js';

/**
 * What the chat screens show while the store is sealed with a passkey and no ceremony has opened
 * it on this page (after a reload): why, and the one thing to do. The ceremony is local, so this
 * works offline; dismissing the passkey prompt simply leaves it locked.
 */
export function ChatUnlockPanel(): JSX.Element {
  const { t, chatLock } = useApp();
  const [busy, setBusy] = createSignal(false);
  const [outcome, setOutcome] = createSignal<UnlockOutcome | null>(null);
  useDocumentTitle(
    () => t('chatLock.title'),
    () => t('app.titleSuffix'),
  );

  const unlock = async (): Promise<void> => {
    setBusy(true);
    setOutcome(null);
    try {
      setOutcome(await chatLock.unlock());
    } finally {
      setBusy(false);
    }
  };

  const startOver = async (): Promise<void> => {
    setBusy(true);
    setOutcome(null);
    try {
      await chatLock.startOver();
    } catch (error) {
      console.warn('could not delete the chat store', error);
      setOutcome('failed');
    } finally {
      setBusy(false);
    }
  };

  const problem = (): string | null => {
    switch (outcome()) {
      case 'no-prf':
        return t('chatLock.noPrf');
      case 'failed':
        return t('chatLock.failed');
      case 'cancelled':
        return null;
      case 'unlocking':
      case null: {
        const lock = chatLock.state();
        return lock.kind === 'locked' && lock.refused ? t('chatLock.refused') : null;
      }
    }
  };

  return (
    <section class="chat-lock" aria-labelledby="chat-lock-title">
      <div class="chat-lock__card">
        <span class="chat-lock__badge">
          <Icon name="lock" />
        </span>
        <h1 id="chat-lock-title" class="chat-lock__title">
          {t('chatLock.title')}
        </h1>
        <p class="chat-lock__body">{t('chatLock.body')}</p>
        <button
          type="button"
          class="button button--primary chat-lock__button"
          disabled={busy()}
          aria-busy={busy()}
          onClick={() => void unlock()}
        >
          <Icon name="key" />
          <span>{busy() ? t('chatLock.unlocking') : t('chatLock.unlock')}</span>
        </button>
        <div role="status" class="chat-lock__status">
          <Show when={problem()}>{(text) => <p class="form__error">{text()}</p>}</Show>
        </div>
        <p class="chat-lock__hint">
          <Icon name="shield" />
          <span>{t('chatLock.hint')}</span>
        </p>
        <details class="chat-lock__reset">
          <summary>{t('chatLock.cannotUnlock')}</summary>
          <p>{t('chatLock.startOverWarning')}</p>
          <button
            type="button"
            class="button button--danger button--compact"
            disabled={busy()}
            onClick={() => void startOver()}
          >
            {t('chatLock.startOver')}
          </button>
        </details>
      </div>
    </section>
  );
}

/** The chat screens, or the unlock panel in their place while the store is locked. */
export function ChatUnlockGate(props: { readonly children: JSX.Element }): JSX.Element {
  const { chat } = useApp();
  // `data-chat` tells tests (and styles) whether the chat is still opening, locked or open.
  return (
    <div class="chat-gate" data-chat={chat.status()}>
      <Show when={chat.status() === 'locked'} fallback={props.children}>
        <ChatUnlockPanel />
      </Show>
    </div>
  );
}
