import { LIMITS } from '@vaultroom/shared/protocol';
import { Show, createSignal, type JSX } from 'solid-js';
import { formatDateTime } from '../format/formatDateTime.js';
import { useApp } from '../../state/AppContext.js';
import type { OwnDevice } from '../../state/createChat.js';
import { ConfirmChoice } from './ConfirmChoice.js';
import { InlineRenameForm } from './InlineRenameForm.js';
import { ListRow } from './ListRow.js';

export interface DeviceItemProps {
  readonly device: OwnDevice;
  /** The name its buttons say: with its date when another device has the same name. */
  readonly label: string;
  /** This device holds the account key: it may approve, rename and remove the others. */
  readonly canManage: boolean;
  /** Runs an action, telling its outcome in the section's status line; true if it succeeded. */
  readonly run: (action: () => Promise<unknown>, done?: string) => Promise<boolean>;
  readonly onInvalidName: () => void;
  /** A rename or removal begins or is cancelled: what the last one said no longer applies. */
  readonly onStart: () => void;
  /** Removed: its row is gone, so the focus it held must go somewhere. */
  readonly onRemoved: () => void;
}

/**
 * One device of the account: its name (renamed inline), when it was added and last seen, and
 * whether the account key certifies it. A waiting device has the field for the code it shows;
 * removing one asks first, in place, like removing a passkey.
 */
export function DeviceItem(props: DeviceItemProps): JSX.Element {
  const { t, chat, preferences } = useApp();
  const [renaming, setRenaming] = createSignal(false);
  const [confirming, setConfirming] = createSignal(false);
  const [code, setCode] = createSignal('');
  const id = () => props.device.device;
  const date = (at: number) => formatDateTime(new Date(at).toISOString(), preferences.locale());

  const approve = (): void => {
    const [target, typed] = [id(), code()];
    void props.run(() => chat.approveDevice(target, typed), t('deviceApproval.approved'));
  };

  const remove = async (): Promise<void> => {
    const target = id();
    const removed = t('deviceApproval.removed', { name: props.label });
    if (await props.run(() => chat.revokeDevice(target), removed)) props.onRemoved();
  };

  const saveName = async (typed: string): Promise<void> => {
    const name = typed.trim();
    if (name.length === 0 || name.length > LIMITS.maxDeviceNameLength) {
      props.onInvalidName();
      return;
    }
    const target = id();
    if (await props.run(() => chat.renameDevice(target, name))) setRenaming(false);
  };

  return (
    <ListRow
      icon="device"
      showActions={!renaming() && !confirming()}
      actions={
        <>
          <button
            type="button"
            class="button button--ghost button--compact"
            aria-label={t('deviceApproval.renameNamed', { name: props.label })}
            onClick={() => {
              props.onStart();
              setRenaming(true);
            }}
          >
            {t('deviceApproval.rename')}
          </button>
          <Show when={props.canManage && !props.device.current}>
            <button
              type="button"
              class="button button--ghost button--compact button--danger-text"
              aria-label={t('deviceApproval.removeNamed', { name: props.label })}
              onClick={() => {
                props.onStart();
                setConfirming(true);
              }}
            >
              {t('deviceApproval.remove')}
            </button>
          </Show>
        </>
      }
    >
      <Show
        when={renaming()}
        fallback={
          <p class="item__title">
            <span>{props.device.name}</span>
            <Show when={props.device.current}>
              <span class="tag tag--accent">{t('deviceApproval.thisDevice')}</span>
            </Show>
            <Show when={props.device.approved === true}>
              <span class="tag tag--ok">{t('deviceApproval.approvedTag')}</span>
            </Show>
            <Show when={props.device.approved === false}>
              <span class="tag tag--warn">{t('deviceApproval.waitingTag')}</span>
            </Show>
          </p>
        }
      >
        <InlineRenameForm
          id={`rename-device-${id()}`}
          label={t('deviceApproval.renameLabel', { name: props.device.name })}
          initial={props.device.name}
          maxLength={LIMITS.maxDeviceNameLength}
          onSave={(name) => void saveName(name)}
          onCancel={() => {
            props.onStart();
            setRenaming(false);
          }}
        />
      </Show>
      <p class="item__meta">
        <span>{t('deviceApproval.added', { date: date(props.device.createdAt) })}</span>
        <span>
          {props.device.lastSeenAt === null
            ? t('deviceApproval.neverSeen')
            : t('deviceApproval.lastSeen', { date: date(props.device.lastSeenAt) })}
        </span>
      </p>
      <Show when={props.canManage && props.device.approved === false && !confirming()}>
        <form
          class="inline-form device-code"
          onSubmit={(event) => {
            event.preventDefault();
            approve();
          }}
        >
          <label class="device-code__label" for={`approve-${id()}`}>
            {t('deviceApproval.codeLabel', { device: props.label })}
          </label>
          <input
            id={`approve-${id()}`}
            class="field__input inline-form__input"
            type="text"
            autocomplete="off"
            spellcheck={false}
            maxLength={24}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
          <button type="submit" class="button button--primary button--compact">
            {t('deviceApproval.approve')}
          </button>
        </form>
      </Show>
      <Show when={confirming()}>
        <ConfirmChoice
          id={`confirm-device-${id()}`}
          question={t('deviceApproval.confirmRemove', { name: props.label })}
          confirmLabel={t('deviceApproval.confirmRemoveButton')}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      </Show>
    </ListRow>
  );
}
