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
}

/** Long-lived tabs would otherwise only learn of a new version on the next navigation. */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Registers the service worker (bundled code, since the CSP allows no inline script) and exposes
 * its update state. Updates wait for the user: the worker skips waiting only when asked to.
 */
export function createAppUpdate(): AppUpdate {
  let timer: ReturnType<typeof setInterval> | undefined;
  const {
    needRefresh: [needRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({
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
    reload: () => updateServiceWorker(),
    dismissOfflineReady: () => setOfflineReady(false),
  };
}
