import { A } from '@solidjs/router';
import { APP_ROUTES } from '@vaultroom/shared';
import { Show, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from './Icon.js';
import { describeDeviceError } from './describeDeviceError.js';
import { ConfirmChoice } from './ConfirmChoice.js';

/**
 * A device on the account that its account key does not certify: being linked by the person
 * ("This was me" leads to the code to approve it with), or added by someone else ("Remove it",
 * asked first, revokes every device waiting: they lose their mailbox and read nothing).
 */
export function DevicesWaitingNotice(): JSX.Element {
  const { t, chat } = useApp();
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<string | null>(null);
  const [removed, setRemoved] = createSignal(false);

  const remove = async (): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      for (const device of chat.devicesWaitingNow()) await chat.revokeDevice(device);
      setConfirming(false);
      setRemoved(true);
      // Told again by the engine: the list it fetches now names none of them.
      await chat.devicesWaiting();
    } catch (error) {
      setProblem(describeDeviceError(t, error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Show when={chat.trustState() === 'certified' && chat.devicesWaitingNow().length > 0}>
        <div class="notice notice--warn">
          <Icon name="warning" class="notice__icon" />
          <div class="notice__text">
            <p>{t('accountNotices.devicesWaiting', { count: chat.devicesWaitingNow().length })}</p>
            <Show when={confirming()}>
              <ConfirmChoice
                id="devices-waiting-confirm"
                question={t('accountNotices.devicesWaitingConfirm')}
                confirmLabel={t('deviceApproval.confirmRemoveButton')}
                busy={busy()}
                onConfirm={() => void remove()}
                onCancel={() => setConfirming(false)}
              />
            </Show>
            <Show when={problem()}>{(text) => <p class="form__error">{text()}</p>}</Show>
          </div>
          <Show when={!confirming()}>
            <div class="notice__actions">
              <A
                href={`${APP_ROUTES.settings}#device-approval-title`}
                class="button button--secondary button--compact"
                activeClass=""
                inactiveClass=""
              >
                {t('accountNotices.devicesWaitingMine')}
              </A>
              <button
                type="button"
                class="button button--ghost button--compact button--danger-text"
                onClick={() => {
                  setRemoved(false);
                  setConfirming(true);
                }}
              >
                {t('accountNotices.devicesWaitingRemove')}
              </button>
            </div>
          </Show>
        </div>
      </Show>
      <Show when={removed() && chat.devicesWaitingNow().length === 0}>
        <div class="notice">
          <Icon name="check" class="notice__icon" />
          <p class="notice__text">{t('accountNotices.devicesWaitingRemoved')}</p>
          <div class="notice__actions">
            <button
              type="button"
              class="button button--ghost button--compact"
              onClick={() => setRemoved(false)}
            >
              {t('common.dismiss')}
            </button>
          </div>
        </div>
      </Show>
    </>
  );
}
