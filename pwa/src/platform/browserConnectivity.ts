import type { Connectivity } from '../core/ports.js';

/** `navigator.onLine` and the window's `online`/`offline` events. */
export const browserConnectivity: Connectivity = {
  isOnline: () => navigator.onLine,
  subscribe(listener) {
    const online = (): void => {
      listener(true);
    };
    const offline = (): void => {
      listener(false);
    };
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  },
};
