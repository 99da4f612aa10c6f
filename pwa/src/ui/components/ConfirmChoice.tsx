import type { JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';

/**
 * An in-place "are you sure?" for a destructive action: the question, the action in danger
 * colours, and Cancel, which takes the focus since the choice appears where the person was.
 */
export function ConfirmChoice(props: {
  /** Id of the question, which names the group for assistive technology. */
  readonly id: string;
  readonly question: string;
  readonly confirmLabel: string;
  readonly busy?: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}): JSX.Element {
  const { t } = useApp();
  return (
    <div class="confirm" role="group" aria-labelledby={props.id}>
      <p id={props.id}>{props.question}</p>
      <div class="confirm__actions">
        <button
          type="button"
          class="button button--danger button--compact"
          disabled={props.busy === true}
          aria-busy={props.busy === true}
          onClick={() => {
            props.onConfirm();
          }}
        >
          {props.confirmLabel}
        </button>
        <button
          type="button"
          class="button button--ghost button--compact"
          onClick={() => {
            props.onCancel();
          }}
          ref={(element) => {
            queueMicrotask(() => {
              element.focus();
            });
          }}
        >
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
