/** The person's answer to the browser's install dialog. */
export type InstallOutcome = 'accepted' | 'dismissed';

/** One install dialog the browser offers to show. It can be shown once. */
export interface InstallPrompt {
  show(): Promise<InstallOutcome>;
}

export interface InstallPromptListener {
  /** The browser would install the app now, if asked through `prompt`. */
  offered(prompt: InstallPrompt): void;
  /** The app was installed, from this page's button or from the browser's own menu. */
  installed(): void;
}

/** Where install offers come from: the browser, or a fake in tests. */
export interface InstallPromptSource {
  /** The page runs as the installed app (in its own window), not in a browser tab. */
  isInstalled(): boolean;
  /** Reports offers and installs from now on; returns the function that stops it. */
  subscribe(listener: InstallPromptListener): () => void;
}

/**
 * Chromium's `BeforeInstallPromptEvent`, which no standard describes (so no DOM typing has it).
 * `prompt()` resolves with the choice in current versions; `userChoice` is the older way to it.
 */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<{ readonly outcome: InstallOutcome } | undefined>;
  readonly userChoice?: Promise<{ readonly outcome: InstallOutcome }>;
}

function isBeforeInstallPromptEvent(event: Event): event is BeforeInstallPromptEvent {
  return typeof (event as Partial<BeforeInstallPromptEvent>).prompt === 'function';
}

/** Every display mode but `browser` means the app runs in its own window, so it is installed. */
const INSTALLED_DISPLAY_MODES = [
  'standalone',
  'minimal-ui',
  'fullscreen',
  'window-controls-overlay',
];

/**
 * `beforeinstallprompt` and `appinstalled` on the window. Browsers that install apps another way
 * (Safari's "Add to Dock", Firefox) never fire the first, and then nothing is offered.
 */
export const browserInstallPrompt: InstallPromptSource = {
  isInstalled() {
    const iosStandalone = (navigator as Navigator & { readonly standalone?: boolean }).standalone;
    return (
      iosStandalone === true ||
      INSTALLED_DISPLAY_MODES.some((mode) => window.matchMedia(`(display-mode: ${mode})`).matches)
    );
  },

  subscribe(listener) {
    const onBeforeInstallPrompt = (event: Event): void => {
      if (!isBeforeInstallPromptEvent(event)) return;
      // Keeps Chromium from showing its own install banner: the app offers install in Settings,
      // where the person is looking at the app's options, not in front of the first screen.
      event.preventDefault();
      listener.offered({
        async show() {
          const choice = await event.prompt();
          return choice?.outcome ?? (await event.userChoice)?.outcome ?? 'dismissed';
        },
      });
    };
    const onInstalled = (): void => {
      listener.installed();
    };
    window.addEventListener('beforeinstallprompt', onBeforeInstallPrompt);
    window.addEventListener('appinstalled', onInstalled);
    return () => {
      window.removeEventListener('beforeinstallprompt', onBeforeInstallPrompt);
      window.removeEventListener('appinstalled', onInstalled);
    };
  },
};
