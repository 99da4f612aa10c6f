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
import { appRoutePatterns } from './core/serviceWorker/appRoutePatterns.js';
import { isLocale, type Locale } from './core/preferences/locales.js';
import { readPushPayload } from './core/serviceWorker/readPushPayload.js';
import { SHARE_TARGET_PATH } from './core/files/shareInbox.js';
import { receiveShare } from './core/serviceWorker/receiveShare.js';
import { createFileStreamRoute } from './core/serviceWorker/fileStreamRoute.js';
import { en } from './i18n/en.js';
import { fr } from './i18n/fr.js';

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

// Files decrypted by the page, streamed to a download or a viewer (fileStreamMessages.ts). Before
// the share target's listener; each answers only its own requests.
const fileStreams = createFileStreamRoute(self.location.origin);
self.addEventListener('fetch', (event) => {
  const response = fileStreams.respond(event.request);
  if (response !== null) event.respondWith(response);
});
self.addEventListener('message', (event) => {
  fileStreams.open(event.data, event.ports);
});

// Web Share Target: another app shares files to the installed app (the manifest's share_target).
// The worker keeps them encrypted to the chat's share-inbox key and sends the page to choose a
// conversation (core/serviceWorker/receiveShare.ts).
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'POST' || url.pathname !== SHARE_TARGET_PATH) return;
  event.respondWith(
    receiveShare(event.request, self.caches, async () => {
      const locale = await currentLocale();
      return { lang: locale, words: (locale === 'fr' ? fr : en).shareRefused };
    }),
  );
});

// Updates wait for the user: a new worker takes over only when the page asks, after the user
// chose Reload, so a tab never runs code from two versions at once.
self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
  const locale = localeOf(event.data);
  if (locale !== null) event.waitUntil(rememberLocale(locale));
});

// Web Push (PROTOCOL.md §2.8): the relay says that something arrived for this device while no
// page was connected. The payload holds a count and, if the person chose so, the sender's handle:
// the notification says no more, and opens that conversation (or the list) when clicked.
self.addEventListener('push', (event) => {
  event.waitUntil(showPushNotification(event.data?.text() ?? null));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openApp(targetOf(event.notification.data)));
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

/** Where the person's language choice (made in the page, kept in localStorage) is kept for us. */
const SETTINGS_CACHE = 'vaultroom-settings';
const LOCALE_KEY = '/settings/locale';
/** The tag of a notification that names no sender; one per conversation otherwise. */
const ANONYMOUS_TAG = 'push-messages';

function localeOf(data: unknown): Locale | null {
  if (typeof data !== 'object' || data === null) return null;
  const { type, locale } = data as { readonly type?: unknown; readonly locale?: unknown };
  return type === 'SET_LOCALE' && isLocale(locale) ? locale : null;
}

async function rememberLocale(locale: Locale): Promise<void> {
  const cache = await caches.open(SETTINGS_CACHE);
  await cache.put(LOCALE_KEY, new Response(locale));
}

async function currentLocale(): Promise<Locale> {
  const stored = await (await caches.open(SETTINGS_CACHE)).match(LOCALE_KEY);
  const text = stored === undefined ? null : await stored.text();
  if (isLocale(text)) return text;
  return self.navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** What a push notification carries for the click and for the counts. */
interface PushNotificationData {
  readonly count: number;
  readonly url: string;
}

function countOf(data: unknown): number {
  const count = (data as { readonly count?: unknown } | null)?.count;
  return typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 0;
}

function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}

async function showPushNotification(text: string | null): Promise<void> {
  const payload = readPushPayload(text);
  const words = (await currentLocale()) === 'fr' ? fr.push : en.push;
  // The page uses the same tag for its own notices of a conversation (its id is the handle's
  // lower-case key), so reading the conversation anywhere in the app takes this one back too.
  const conversation = payload.from?.toLowerCase();
  const tag = conversation === undefined ? ANONYMOUS_TAG : `conversation-${conversation}`;
  const earlier = await self.registration.getNotifications({ tag });
  const count = earlier.reduce((sum, shown) => sum + countOf(shown.data), payload.count);
  const data: PushNotificationData = {
    count,
    url:
      conversation === undefined
        ? APP_ROUTES.conversations
        : `${APP_ROUTES.conversations}/${encodeURIComponent(conversation)}`,
  };
  await self.registration.showNotification(
    payload.from === undefined
      ? words.notificationTitle
      : fill(words.notificationTitleFrom, { peer: payload.from }),
    {
      body:
        count === 1
          ? words.notificationBodyOne
          : fill(words.notificationBodyMany, { count: String(count) }),
      tag,
      icon: '/pwa-192x192.png',
      badge: '/pwa-192x192.png',
      data,
      // A newer push for the same conversation replaces the notice and alerts again.
      renotify: true,
    } as NotificationOptions,
  );
  // The installed app's icon shows how many are waiting, as the open app does with unread ones.
  const shown = await self.registration.getNotifications();
  const total = shown.reduce((sum, notification) => sum + countOf(notification.data), 0);
  if (typeof self.navigator.setAppBadge === 'function') {
    await self.navigator.setAppBadge(total).catch(() => undefined);
  }
}

/** Only the app's own conversation paths, whatever a notification's data says. */
function targetOf(data: unknown): string {
  const url = (data as { readonly url?: unknown } | null)?.url;
  if (
    typeof url === 'string' &&
    (url === APP_ROUTES.conversations || url.startsWith(`${APP_ROUTES.conversations}/`))
  ) {
    return url;
  }
  return APP_ROUTES.conversations;
}

/** Focuses an open window of the app and has it show `url`, or opens one there. */
async function openApp(url: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows[0];
  if (open === undefined) {
    await self.clients.openWindow(url);
    return;
  }
  open.postMessage({ type: 'OPEN_CONVERSATION', url });
  await open.focus();
}
