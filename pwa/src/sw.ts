/// <reference lib="webworker" />
import { APP_ROUTES } from '@vaultroom/shared';
import { clientsClaim } from 'workbox-core';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { appRoutePatterns } from './core/appRoutePatterns.js';

declare let self: ServiceWorkerGlobalScope & {
  readonly __WB_MANIFEST: (PrecacheEntry | string)[];
};

// The build replaces __WB_MANIFEST with every built file and its revision. Nothing else is
// cached: /healthz, /api and /ws always go to the network.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Navigations to app routes get the precached shell, so the app opens offline. Other paths reach
// the relay, which answers them itself (404 for unknown ones), exactly as without a worker.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    allowlist: appRoutePatterns(Object.values(APP_ROUTES)),
  }),
);

// Updates wait for the user: a new worker takes over only when the page asks, after the user
// chose Reload, so a tab never runs code from two versions at once.
self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
});

// Set deliberately (vite-plugin-pwa 2 sets neither this nor skipWaiting): on the first install,
// the worker controls the open page at once, so it works offline without a reload.
clientsClaim();

function isSkipWaitingMessage(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { readonly type?: unknown }).type === 'SKIP_WAITING'
  );
}
