import type { JSX } from 'solid-js';
import { useApp } from '../../../state/AppContext.js';

/**
 * A field for several people's handles at once (a new group's members, people to add to one).
 * Its label and hint are the caller's, since they sit differently in each form.
 */
export function HandlesInput(props: {
  readonly id: string;
  readonly name?: string;
  readonly value: string;
  readonly onInput: (value: string) => void;
  readonly describedBy: string;
  readonly invalid?: boolean;
}): JSX.Element {
  const { t } = useApp();
  return (
    <input
      id={props.id}
      class="field__input"
      name={props.name}
      autocomplete="off"
      autocapitalize="none"
      spellcheck={false}
      placeholder={t('conversations.membersPlaceholder')}
      value={props.value}
      onInput={(event) => {
        props.onInput(event.currentTarget.value);
      }}
      aria-invalid={props.invalid}
      aria-describedby={props.describedBy}
    />
  );
}
