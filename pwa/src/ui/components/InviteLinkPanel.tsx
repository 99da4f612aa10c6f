import { Show, createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { Icon } from './Icon.js';

/**
 * A just-created invite or recovery link. The relay stores only a hash of its token, so this is
 * the one time anyone can see it: copy it, then close the panel.
 */
export function InviteLinkPanel(props: {
  readonly title: string;
  readonly note: string;
  readonly link: string;
  readonly onDone: () => void;
}): JSX.Element {
  const { t } = useApp();
  const [copied, setCopied] = createSignal<'no' | 'yes' | 'failed'>('no');
  let field: HTMLInputElement | undefined;

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.link);
      setCopied('yes');
    } catch {
      field?.select();
      setCopied('failed');
    }
  };

  return (
    <div class="link-panel" role="region" aria-labelledby="link-panel-title">
      <h2 id="link-panel-title" class="link-panel__title">
        <Icon name="lock" class="link-panel__icon" />
        {props.title}
      </h2>
      <p class="link-panel__note">{props.note}</p>
      <div class="link-panel__row">
        <label class="visually-hidden" for="invite-link">
          {t('admin.invites.linkLabel')}
        </label>
        <input
          ref={field}
          id="invite-link"
          class="field__input link-panel__link"
          type="text"
          readOnly
          value={props.link}
          onFocus={(event) => {
            event.currentTarget.select();
          }}
        />
        <button type="button" class="button button--primary" onClick={() => void copy()}>
          <Icon name={copied() === 'yes' ? 'check' : 'copy'} />
          {copied() === 'yes' ? t('admin.invites.copied') : t('admin.invites.copy')}
        </button>
      </div>
      <p class="link-panel__status" role="status">
        <Show when={copied() === 'failed'}>{t('admin.invites.copyFailed')}</Show>
      </p>
      <button
        type="button"
        class="button button--ghost button--compact"
        onClick={() => {
          props.onDone();
        }}
      >
        {t('admin.invites.done')}
      </button>
    </div>
  );
}
