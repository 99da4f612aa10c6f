import type { JSX } from 'solid-js';

/** A section whose list could not load: what happened, and a way to try again. */
export function SectionLoadError(props: {
  readonly text: string;
  readonly retryLabel: string;
  readonly onRetry: () => void;
}): JSX.Element {
  return (
    <div class="section-state" role="alert">
      <p>{props.text}</p>
      <button
        type="button"
        class="button button--secondary button--compact"
        onClick={() => {
          props.onRetry();
        }}
      >
        {props.retryLabel}
      </button>
    </div>
  );
}
