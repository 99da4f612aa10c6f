import { Match, Switch, type Accessor, type JSX, type Resource } from 'solid-js';
import { useApp } from '../../state/AppContext.js';
import { SectionLoadError } from './SectionLoadError.js';

/**
 * The faces of a section's list as it loads: what went wrong and a retry, "Loading…" the first
 * time (a refetch keeps the list shown), the empty text when there is nothing, then the list.
 */
export function ResourceView<T>(props: {
  readonly resource: Resource<T>;
  /** What to say when it could not load, from the error. */
  readonly loadError: (error: unknown) => string;
  readonly onRetry: () => void;
  /** Said instead of the list when `isEmpty` holds; without it, an empty list is shown as is. */
  readonly empty?: string;
  readonly isEmpty?: (value: T) => boolean;
  readonly children: (value: Accessor<NonNullable<T>>) => JSX.Element;
}): JSX.Element {
  const { t } = useApp();
  const isEmpty = (): boolean => {
    const value = props.resource();
    return value !== undefined && props.isEmpty?.(value) === true;
  };
  return (
    <Switch>
      <Match when={props.resource.error !== undefined}>
        <SectionLoadError
          text={props.loadError(props.resource.error)}
          retryLabel={t('common.retry')}
          onRetry={() => {
            props.onRetry();
          }}
        />
      </Match>
      <Match when={props.resource.loading && props.resource() === undefined}>
        <p class="section-state" role="status">
          {t('common.loading')}
        </p>
      </Match>
      <Match when={props.empty !== undefined && isEmpty()}>
        <p class="section-state">{props.empty}</p>
      </Match>
      <Match when={props.resource()}>{(value) => props.children(value)}</Match>
    </Switch>
  );
}
