import { Match, Switch, type JSX } from 'solid-js';

export type IconName =
  | 'chat'
  | 'settings'
  | 'lock'
  | 'info'
  | 'refresh'
  | 'check'
  | 'key'
  | 'warning'
  | 'device'
  | 'shield'
  | 'copy'
  | 'plus'
  | 'clock'
  | 'chevron'
  | 'send'
  | 'smile'
  | 'reply'
  | 'users'
  | 'close'
  | 'paperclip'
  | 'download'
  | 'file'
  | 'play';

/**
 * Line icons drawn in the current text colour. Decorative: the control or text beside each icon
 * carries the accessible name.
 */
export function Icon(props: { readonly name: IconName; readonly class?: string }): JSX.Element {
  return (
    <svg
      class={props.class ? `icon ${props.class}` : 'icon'}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="1.75"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      <Switch>
        <Match when={props.name === 'chat'}>
          <path d="M6.5 4.5h11a2.5 2.5 0 0 1 2.5 2.5v7.5a2.5 2.5 0 0 1-2.5 2.5H11l-4.5 3.5V17h0a2.5 2.5 0 0 1-2.5-2.5V7a2.5 2.5 0 0 1 2.5-2.5z" />
        </Match>
        <Match when={props.name === 'settings'}>
          <path d="M4 7h9M17 7h3M4 17h3M11 17h9" />
          <circle cx="15" cy="7" r="2" />
          <circle cx="9" cy="17" r="2" />
        </Match>
        <Match when={props.name === 'lock'}>
          <rect x="5" y="10.5" width="14" height="10" rx="2.5" />
          <path d="M8 10.5V8a4 4 0 0 1 8 0v2.5M12 14.5v2" />
        </Match>
        <Match when={props.name === 'info'}>
          <circle cx="12" cy="12" r="9" />
          <path d="M12 11v5.5M12 7.75v.01" />
        </Match>
        <Match when={props.name === 'refresh'}>
          <path d="M19.5 12a7.5 7.5 0 1 1-2.2-5.3M19.5 4.5V8H16" />
        </Match>
        <Match when={props.name === 'check'}>
          <path d="m5 12.5 4.5 4.5L19 7.5" />
        </Match>
        <Match when={props.name === 'key'}>
          <circle cx="8" cy="15" r="4" />
          <path d="m11 12 8.5-8.5M16.5 6.5l2.5 2.5M14 9l2 2" />
        </Match>
        <Match when={props.name === 'warning'}>
          <path d="M10.3 4.2 2.8 17.5A2 2 0 0 0 4.5 20.5h15a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z" />
          <path d="M12 9.5v4.5M12 17.25v.01" />
        </Match>
        <Match when={props.name === 'device'}>
          <rect x="3.5" y="5" width="17" height="11" rx="2" />
          <path d="M8 20h8M12 16v4" />
        </Match>
        <Match when={props.name === 'shield'}>
          <path d="M12 3.5 5 6v5.5c0 4.3 3 7.8 7 9 4-1.2 7-4.7 7-9V6z" />
          <path d="m9 12 2 2 4-4" />
        </Match>
        <Match when={props.name === 'copy'}>
          <rect x="8.5" y="8.5" width="11" height="11" rx="2" />
          <path d="M15.5 8.5V6.5a2 2 0 0 0-2-2h-7a2 2 0 0 0-2 2v7a2 2 0 0 0 2 2h2" />
        </Match>
        <Match when={props.name === 'plus'}>
          <path d="M12 5v14M5 12h14" />
        </Match>
        <Match when={props.name === 'clock'}>
          <circle cx="12" cy="12" r="8.5" />
          <path d="M12 7.5V12l3 2" />
        </Match>
        <Match when={props.name === 'chevron'}>
          <path d="m9.5 6 6 6-6 6" />
        </Match>
        <Match when={props.name === 'send'}>
          <path d="M4.5 12 19.5 4.5 15 19.5l-3.5-6z" />
          <path d="M11.5 13.5 19.5 4.5" />
        </Match>
        <Match when={props.name === 'smile'}>
          <circle cx="12" cy="12" r="8.5" />
          <path d="M8.5 14a4 4 0 0 0 7 0M9.5 9.75v.01M14.5 9.75v.01" />
        </Match>
        <Match when={props.name === 'reply'}>
          <path d="M10 8 5 12.5l5 4.5" />
          <path d="M5.5 12.5H14a5 5 0 0 1 5 5V19" />
        </Match>
        <Match when={props.name === 'users'}>
          <circle cx="9" cy="8.5" r="3.5" />
          <path d="M2.5 19.5a6.5 6.5 0 0 1 13 0" />
          <path d="M15.5 5.2a3.5 3.5 0 0 1 0 6.6M18 14a6.5 6.5 0 0 1 3.5 5.5" />
        </Match>
        <Match when={props.name === 'close'}>
          <path d="m6.5 6.5 11 11M17.5 6.5l-11 11" />
        </Match>
        <Match when={props.name === 'paperclip'}>
          <path d="m20 11.5-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8" />
        </Match>
        <Match when={props.name === 'download'}>
          <path d="M12 4v11m-4.5-4.5L12 15l4.5-4.5M5 19.5h14" />
        </Match>
        <Match when={props.name === 'play'}>
          <path d="M8 5.5v13l10.5-6.5z" fill="currentColor" />
        </Match>
        <Match when={props.name === 'file'}>
          <path d="M14 3.5H7a1.5 1.5 0 0 0-1.5 1.5v14A1.5 1.5 0 0 0 7 20.5h10a1.5 1.5 0 0 0 1.5-1.5V8z" />
          <path d="M14 3.5V8h4.5" />
        </Match>
      </Switch>
    </svg>
  );
}
