import { onCleanup, type Accessor } from 'solid-js';
import { useRegisterSW } from 'virtual:pwa-register/solid';

export interface AppUpdate {
  /** A new version is installed and waiting for the user to reload. */
  readonly needRefresh: Accessor<boolean>;
  /** The app shell is cached: the first install finished. */
  readonly offlineReady: Accessor<boolean>;
  /** Asks the waiting service worker to take over; the page reloads when it does. */
  readonly reload: () => Promise<void>;
  readonly dismissOfflineReady: () => void;
  /**
   * Registers work that must finish before the page reloads into a new version, such as saving
   * the draft typed since the last pause. Returns the function that unregisters it.
   */
  readonly beforeReload: (save: () => Promise<void>) => () => void;
}

/** Long-lived tabs would otherwise only learn of a new version on the next navigation. */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

/** A save that hangs must not hold the update back for ever. */
const BEFORE_RELOAD_LIMIT_MS = 3000;

/**
 * Registers the service worker (bundled code, since the CSP allows no inline script) and exposes
 * its update state. Updates wait for the user: the worker skips waiting only when asked to.
 */
export function createAppUpdate(): AppUpdate {
  let timer: ReturnType<typeof setInterval> | undefined;
  const saves = new Set<() => Promise<void>>();
  const {
    needRefresh: [needRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({
    // The plugin reloads only a page that already had a worker when it opened, so a page that
    // installed the first one would take the update without ever running it: reload() below
    // reloads on the change of worker itself, in every case.
    onNeedReload: () => undefined,
    onRegisteredSW(_url, registration) {
      if (!registration) return;
      timer = setInterval(() => {
        if (navigator.onLine) registration.update().catch(() => undefined);
      }, UPDATE_CHECK_INTERVAL_MS);
    },
  });
  onCleanup(() => {
    clearInterval(timer);
  });
  return {
    needRefresh,
    offlineReady,
    // The new worker reloads the page as soon as it takes over, and a reload drops pending
    // timers and unfinished writes: what must be kept is saved first.
    async reload() {
      let limit: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(Array.from(saves, (save) => save())),
        new Promise((resolve) => (limit = setTimeout(resolve, BEFORE_RELOAD_LIMIT_MS))),
      ]);
      clearTimeout(limit);
      navigator.serviceWorker.addEventListener(
        'controllerchange',
        () => {
          window.location.reload();
        },
        { once: true },
      );
      await updateServiceWorker();
    },
    dismissOfflineReady: () => setOfflineReady(false),
    beforeReload(save) {
      saves.add(save);
      return () => {
        saves.delete(save);
      };
    },
  };
}
