import { For, Match, Show, Switch, createResource, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { describeChatError } from './chat/describeChatError.js';

/**
 * This device's place in its account (PROTOCOL.md §1.15.7): waiting for approval, it shows the
 * code to type on a device of the account; certified, it lists the devices of the account that
 * wait, each with a field for the code that device shows. A device the relay lists without the
 * account's approval shows here too: if nobody added it, nobody should approve it.
 */
export function DeviceApprovalSection(): JSX.Element {
  const { t, chat } = useApp();
  const waiting = () => {
    const state = chat.trustState();
    return state === 'waiting-for-approval' || state === 'key-changed';
  };
  const [code] = createResource(
    () => (waiting() ? chat.trustState() : null),
    () => chat.linkCode(),
  );
  // Fetched again when the connection changes or the chat finds other devices waiting.
  const [devices, { refetch }] = createResource(
    () =>
      chat.trustState() === 'certified'
        ? `${chat.connection() ?? ''} ${chat.devicesWaitingNow().join(' ')}`
        : null,
    () => chat.devicesWaiting(),
  );
  const [typed, setTyped] = createSignal<Record<string, string>>({});
  const [problem, setProblem] = createSignal<string | null>(null);
  const [approved, setApproved] = createSignal(false);

  const approve = async (device: string): Promise<void> => {
    setProblem(null);
    setApproved(false);
    try {
      await chat.approveDevice(device, typed()[device] ?? '');
      setApproved(true);
      await refetch();
    } catch (error) {
      setProblem(describeChatError(t, error));
    }
  };

  return (
    <Show when={chat.trustState() !== null && chat.trustState() !== 'unknown'}>
      <section class="settings-section" aria-labelledby="device-approval-title">
        <h2 id="device-approval-title" class="settings-section__title">
          {t('deviceApproval.title')}
        </h2>
        <Switch>
          <Match when={waiting()}>
            <Show when={chat.trustState() === 'key-changed'}>
              <p class="settings-section__intro" role="alert">
                {t('deviceApproval.keyChanged')}
              </p>
            </Show>
            <p class="settings-section__intro" data-testid="link-code">
              {t('deviceApproval.waiting', { code: code() ?? '…' })}
            </p>
            <p class="settings-section__intro">{t('deviceApproval.waitingHint')}</p>
          </Match>
          <Match when={chat.trustState() === 'certified'}>
            <p class="settings-section__intro">{t('deviceApproval.intro')}</p>
            <Show
              when={(devices() ?? []).length > 0}
              fallback={<p class="settings-section__intro">{t('deviceApproval.none')}</p>}
            >
              <ul class="item-list" aria-labelledby="device-approval-title">
                <For each={devices()}>
                  {(device) => (
                    <li class="item">
                      <form
                        class="inline-form"
                        onSubmit={(event) => {
                          event.preventDefault();
                          void approve(device.device);
                        }}
                      >
                        <label for={`approve-${device.device}`}>
                          {t('deviceApproval.codeLabel', { device: device.device })}
                        </label>
                        <input
                          id={`approve-${device.device}`}
                          class="field__input inline-form__input"
                          type="text"
                          autocomplete="off"
                          spellcheck={false}
                          maxLength={24}
                          onInput={(event) => {
                            const value = event.currentTarget.value;
                            setTyped((all) => ({ ...all, [device.device]: value }));
                          }}
                        />
                        <button type="submit" class="button button--primary button--compact">
                          {t('deviceApproval.approve')}
                        </button>
                      </form>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Match>
        </Switch>
        <div role="status" class="settings-section__status settings-section__error">
          <Show when={problem()}>{(text) => <p class="form__error">{text()}</p>}</Show>
          <Show when={approved()}>
            <p class="form__ok">{t('deviceApproval.approved')}</p>
          </Show>
        </div>
      </section>
    </Show>
  );
}
