import type { JSX } from 'solid-js';

/**
 * The VaultRoom mark (a speech bubble holding a lock), the same drawing as `public/icon.svg`.
 * Decorative: it always sits beside the product name.
 */
export function BrandMark(props: { readonly class?: string }): JSX.Element {
  return (
    <svg
      class={props.class ? `brand-mark ${props.class}` : 'brand-mark'}
      viewBox="0 0 512 512"
      aria-hidden="true"
    >
      <rect class="brand-mark__tile" width="512" height="512" rx="112" />
      <path
        class="brand-mark__bubble"
        d="M256 104c-92.8 0-168 62.7-168 140 0 42.6 22.8 80.7 58.8 106.4L132 412l78.6-37.6c14.6 3.3 29.8 5.6 45.4 5.6 92.8 0 168-62.7 168-140S348.8 104 256 104z"
      />
      <path
        class="brand-mark__shackle"
        d="M218 236v-30a38 38 0 0 1 76 0v30"
        fill="none"
        stroke-width="22"
        stroke-linecap="round"
      />
      <rect class="brand-mark__body" x="194" y="228" width="124" height="96" rx="20" />
      <path
        class="brand-mark__keyhole"
        d="M256 256a14 14 0 0 0-7 26.1V298h14v-15.9A14 14 0 0 0 256 256z"
      />
    </svg>
  );
}
