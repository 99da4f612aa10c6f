import { For, Show, createResource, createSignal, type JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { useApp } from '../../state/AppContext.js';
import type { OwnDevice } from '../../state/createChat.js';
import { DeviceItem } from './DeviceItem.js';
import { ResourceView } from './ResourceView.js';
import { ThisDeviceWaiting } from './ThisDeviceWaiting.js';
import { describeDeviceError } from './describeDeviceError.js';

/**
 * The devices of the account (PROTOCOL.md §1.15): every one the relay lists, with its name,
 * dates and whether the account key certifies it. A certified device approves the waiting ones
 * with the code each shows, renames and removes them; removing one takes its mailbox and it can
 * no longer read anything. A device the relay lists without the account's approval shows here
 * too: if nobody added it, nobody should approve it. A device waiting itself shows its code.
 */
export function DevicesSection(): JSX.Element {
  const { t, chat, preferences } = useApp();
  const state = () => chat.trustState();
  const waiting = () => state() === 'waiting-for-approval' || state() === 'key-changed';
  const online = () => chat.connection() === 'connected';
  // Fetched again when the connection comes back or the chat finds other devices waiting.
  const [devices, { refetch }] = createResource(
    () => (online() ? `${state() ?? ''} ${chat.devicesWaitingNow().join(' ')}` : null),
    () => chat.listOwnDevices(),
  );
  const [status, setStatus] = createSignal<string | null>(null);
  let title: HTMLHeadingElement | undefined;
  const [problem, setProblem] = createSignal<string | null>(null);
  const waitingCount = () =>
    (devices() ?? []).filter((d) => d.approved === false && !d.current).length;

  /** A device's name as its buttons say it, dated when another device has the same name. */
  const labelOf = (device: OwnDevice): string => {
    const all = devices() ?? [];
    if (all.filter((other) => other.name === device.name).length < 2) return device.name;
    const added = formatDateTime(new Date(device.createdAt).toISOString(), preferences.locale());
    return t('deviceApproval.nameAdded', { name: device.name, date: added });
  };

  const run = async (action: () => Promise<unknown>, done?: string): Promise<boolean> => {
    setProblem(null);
    setStatus(null);
    try {
      await action();
      if (done !== undefined) setStatus(done);
      await refetch();
      return true;
    } catch (error) {
      setProblem(describeDeviceError(t, error));
      return false;
    }
  };

  return (
    <Show when={state() !== null && state() !== 'unknown'}>
      <section class="settings-section" aria-labelledby="device-approval-title">
        <h2 id="device-approval-title" class="settings-section__title" tabIndex={-1} ref={title}>
          {t('deviceApproval.title')}
        </h2>
        <Show when={waiting()}>
          <ThisDeviceWaiting
            startOver={() => run(() => chat.replaceAccountKey(), t('deviceApproval.startedOver'))}
          />
        </Show>
        <p class="settings-section__intro">{t('deviceApproval.intro')}</p>
        <Show
          when={online()}
          fallback={
            <p class="section-state" role="status">
              {t('deviceApproval.offline')}
            </p>
          }
        >
          <ResourceView
            resource={devices}
            loadError={(error) => describeDeviceError(t, error)}
            onRetry={() => void refetch()}
            empty={t('deviceApproval.empty')}
            isEmpty={(value) => value.length === 0}
          >
            {(items) => (
              <ul class="item-list" aria-labelledby="device-approval-title">
                <For each={items()}>
                  {(device) => (
                    <DeviceItem
                      device={device}
                      label={labelOf(device)}
                      canManage={state() === 'certified'}
                      run={run}
                      onRemoved={() => title?.focus()}
                      onStart={() => {
                        setStatus(null);
                        setProblem(null);
                      }}
                      onInvalidName={() => {
                        setStatus(null);
                        setProblem(t('deviceApproval.nameInvalid'));
                      }}
                    />
                  )}
                </For>
              </ul>
            )}
          </ResourceView>
        </Show>
        <Show when={state() === 'certified' && devices() !== undefined && waitingCount() === 0}>
          <p class="section-state">{t('deviceApproval.none')}</p>
        </Show>
        <div role="status" class="settings-section__status settings-section__error">
          <Show when={problem()}>{(text) => <p class="form__error">{text()}</p>}</Show>
          <Show when={status()}>{(text) => <p class="form__ok">{text()}</p>}</Show>
        </div>
      </section>
    </Show>
  );
}
