import { createEffect, type Accessor } from 'solid-js';

/** Names the browser tab (and the history entry) after the screen: "Settings · VaultRoom". */
export function useDocumentTitle(title: Accessor<string>, suffix: Accessor<string>): void {
  createEffect(() => {
    document.title = `${title()} · ${suffix()}`;
  });
}
