import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type { InstallOutcome, InstallPrompt, InstallPromptSource } from '../core/ports.js';

export interface InstallOffer {
  /** The browser offers to install the app and it is not installed: show the install button. */
  readonly available: Accessor<boolean>;
  /** The browser's install dialog is open. */
  readonly prompting: Accessor<boolean>;
  /** The app runs installed, or was installed from this page. */
  readonly installed: Accessor<boolean>;
  /**
   * Shows the browser's install dialog. An offer is good for one dialog whatever the answer, so
   * it is gone afterwards; the browser may offer again later. `unavailable` when nothing is offered.
   */
  install(): Promise<InstallOutcome | 'unavailable'>;
}

/**
 * Whether the app can be installed from its own button, from the browser's offers. Create it in
 * the composition root: the browser makes its offer once, soon after the page loads, whichever
 * screen is open then.
 */
export function createInstallOffer(source: InstallPromptSource): InstallOffer {
  const [prompt, setPrompt] = createSignal<InstallPrompt | null>(null);
  const [prompting, setPrompting] = createSignal(false);
  const [installed, setInstalled] = createSignal(source.isInstalled());

  onCleanup(
    source.subscribe({
      offered(offer) {
        setPrompt(() => offer);
      },
      installed() {
        setPrompt(null);
        setInstalled(true);
      },
    }),
  );

  return {
    available: () => prompt() !== null && !installed(),
    prompting,
    installed,
    async install() {
      const offer = prompt();
      if (offer === null || installed() || prompting()) return 'unavailable';
      setPrompting(true);
      try {
        const outcome = await offer.show();
        if (outcome === 'accepted') setInstalled(true);
        return outcome;
      } finally {
        // Used up either way: a second prompt() on the same event throws.
        setPrompt((current) => (current === offer ? null : current));
        setPrompting(false);
      }
    },
  };
}
