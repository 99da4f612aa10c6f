import { Show, children, splitProps, type JSX } from 'solid-js';
import { Icon, type IconName } from './Icon.js';

/**
 * One row of a list screen (passkeys, devices, sessions, invites, users): a badge, the body (the
 * name, its details, an in-place confirmation or form), and the row's buttons at the end. Other
 * attributes (`data-current`, `data-status`) go on the list item, for the styles.
 */
export function ListRow(
  props: {
    /** The badge's icon; or `leading`, for something else in its place (an avatar). */
    readonly icon?: IconName;
    readonly leading?: JSX.Element;
    /** Lets the body wrap under the actions on narrow screens. */
    readonly wrap?: boolean;
    readonly children: JSX.Element;
    readonly actions?: JSX.Element;
    /** Hides the buttons while the body asks or edits something in their place. */
    readonly showActions?: boolean;
  } & Omit<JSX.LiHTMLAttributes<HTMLLIElement>, 'children'>,
): JSX.Element {
  const [own, rest] = splitProps(props, [
    'icon',
    'leading',
    'wrap',
    'children',
    'actions',
    'showActions',
  ]);
  // Resolved once: a row's buttons are built once, and hidden and shown again as they are.
  const actions = children(() => own.actions);
  return (
    <li class={own.wrap === true ? 'item item--wrap' : 'item'} {...rest}>
      <Show when={own.icon}>
        {(name) => (
          <span class="item__badge">
            <Icon name={name()} />
          </span>
        )}
      </Show>
      {own.leading}
      <div class="item__body">{own.children}</div>
      <Show when={actions() !== undefined && own.showActions !== false}>
        <div class="item__actions">{actions()}</div>
      </Show>
    </li>
  );
}
