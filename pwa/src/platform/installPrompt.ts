import type { InstallOutcome, InstallPromptSource } from '../core/ports.js';

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
