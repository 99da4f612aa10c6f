import { createSignal, type JSX } from 'solid-js';
import { useApp } from '../../state/AppContext.js';

/**
 * A list row's name, edited in place: the field (its text selected, so typing replaces it), Save
 * and Cancel. Escape cancels too. The row decides what a valid name is and what saving does.
 */
export function InlineRenameForm(props: {
  /** Id of the field. */
  readonly id: string;
  /** The field's accessible name, e.g. "Rename Work laptop". */
  readonly label: string;
  readonly initial: string;
  readonly maxLength: number;
  /** The typed name, as typed: the row trims and checks it. */
  readonly onSave: (name: string) => void;
  readonly onCancel: () => void;
}): JSX.Element {
  const { t } = useApp();
  // Read once: the form starts from the name as it was when the rename began.
  const [draft, setDraft] = createSignal(props.initial);
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave(draft());
      }}
    >
      <label class="visually-hidden" for={props.id}>
        {props.label}
      </label>
      <input
        id={props.id}
        class="field__input inline-form__input"
        type="text"
        maxLength={props.maxLength}
        value={draft()}
        ref={(element) => {
          queueMicrotask(() => {
            element.select();
          });
        }}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onCancel();
        }}
      />
      <button type="submit" class="button button--primary button--compact">
        {t('common.save')}
      </button>
      <button
        type="button"
        class="button button--ghost button--compact"
        onClick={() => {
          props.onCancel();
        }}
      >
        {t('common.cancel')}
      </button>
    </form>
  );
}
