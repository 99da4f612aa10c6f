import { Show, createResource, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { ConfirmChoice } from './ConfirmChoice.js';

/**
 * This device waits for approval (§1.15.7): the code to type on a device of the account, and,
 * for an account none of whose devices is left, starting over under a new account key, which
 * every contact sees as a safety-number change. Asked in place before it is done.
 */
export function ThisDeviceWaiting(props: {
  /** Starts over, telling the outcome in the section's status line; true if it succeeded. */
  readonly startOver: () => Promise<boolean>;
}): JSX.Element {
  const { t, chat } = useApp();
  const [code] = createResource(
    () => chat.trustState(),
    () => chat.linkCode(),
  );
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);

  const startOver = async (): Promise<void> => {
    setBusy(true);
    if (await props.startOver()) setConfirming(false);
    setBusy(false);
  };

  return (
    <div class="device-waiting">
      <Show when={chat.trustState() === 'key-changed'}>
        <p class="settings-section__intro" role="alert">
          {t('deviceApproval.keyChanged')}
        </p>
      </Show>
      <p class="settings-section__intro" data-testid="link-code">
        {t('deviceApproval.waiting', { code: code() ?? '…' })}
      </p>
      <p class="settings-section__intro">{t('deviceApproval.waitingHint')}</p>
      <div class="device-waiting__actions">
        <Show
          when={confirming()}
          fallback={
            <button
              type="button"
              class="button button--ghost button--compact button--danger-text device-waiting__start-over"
              onClick={() => setConfirming(true)}
            >
              {t('deviceApproval.startOver')}
            </button>
          }
        >
          <ConfirmChoice
            id="start-over-title"
            question={t('deviceApproval.startOverConfirm')}
            confirmLabel={t('deviceApproval.startOverButton')}
            busy={busy()}
            onConfirm={() => void startOver()}
            onCancel={() => setConfirming(false)}
          />
        </Show>
      </div>
    </div>
  );
}
