import type { SafetyNumber } from '@vaultroom/shared/crypto';
import { For, Match, Switch, createResource, type JSX } from 'solid-js';
import { isChatError } from '../../../core/chat/ChatError.js';
import { useApp } from '../../../state/AppContext.js';
import { describeChatError } from './describeChatError.js';
import { QrCode } from './QrCode.js';

/** Twelve groups of five digits, as Signal shows them. */
export function digitGroups(digits: string): string[] {
  return digits.match(/\d{5}/g) ?? [];
}

/**
 * The safety number with one contact: digits and QR code to compare, and the switch that records
 * the comparison. Computed afresh on opening, from the keys the relay lists right now.
 */
export function SafetyNumberPanel(props: {
  readonly conversation: string;
  readonly peer: string;
  readonly verified: boolean;
  readonly onClose: () => void;
}): JSX.Element {
  const { t, chat } = useApp();
  const [number, { refetch }] = createResource<SafetyNumber, string>(
    () => props.conversation,
    (conversation) => chat.safetyNumber(conversation),
  );

  return (
    <section class="safety-panel" aria-labelledby="safety-title">
      <h2 id="safety-title" class="safety-panel__title">
        {t('safety.title', { peer: props.peer })}
      </h2>
      <p class="safety-panel__intro">{t('safety.intro', { peer: props.peer })}</p>
      <Switch>
        <Match when={number.error !== undefined}>
          <p class="form__error" role="alert">
            {isChatError(number.error) && number.error.code === 'NO_ACCOUNT_KEY'
              ? describeChatError(t, number.error)
              : t('safety.failed')}
          </p>
          <button class="button button--secondary" type="button" onClick={() => void refetch()}>
            {t('common.retry')}
          </button>
        </Match>
        <Match when={number()}>
          {(safety) => (
            <div class="safety-panel__body">
              <QrCode bytes={safety().qrPayload} label={t('safety.qrLabel')} />
              <p class="safety-number" data-testid="safety-number">
                <For each={digitGroups(safety().digits)}>
                  {(group) => <span class="safety-number__group">{group}</span>}
                </For>
              </p>
            </div>
          )}
        </Match>
        <Match when={number.loading}>
          <p class="safety-panel__intro" role="status">
            {t('safety.loading')}
          </p>
        </Match>
      </Switch>
      <p class="safety-panel__note" role="status">
        {props.verified ? t('safety.verifiedNote', { peer: props.peer }) : ''}
      </p>
      <div class="safety-panel__actions">
        <button
          class="button"
          classList={{ 'button--primary': !props.verified, 'button--secondary': props.verified }}
          type="button"
          disabled={number() === undefined}
          onClick={() => void chat.setVerified(props.conversation, !props.verified)}
        >
          {props.verified ? t('safety.unverify') : t('safety.verify')}
        </button>
        <button
          class="button button--ghost"
          type="button"
          onClick={() => {
            props.onClose();
          }}
        >
          {t('safety.close')}
        </button>
      </div>
    </section>
  );
}
