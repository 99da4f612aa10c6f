import { PUSH_API, type PushStatusView, type PushSubscriptionInput } from '@vaultroom/shared';
import { call } from './accountsClient.js';

/** What this browser can do about push while the app is closed. */
export type PushSupport =
  | 'supported'
  /** iOS and iPadOS offer the Push API only to an app added to the home screen. */
  | 'needs-home-screen'
  | 'unsupported';

/** The browser's Push API and the relay's push routes, as Settings uses them. */
export interface WebPush {
  support(): PushSupport;
  permission(): NotificationPermission | 'unsupported';
  /** The relay's side: available here, its VAPID key, this device's subscription. */
  status(): Promise<PushStatusView>;
  /**
   * Asks for permission (call from a click: browsers refuse a prompt without one), subscribes
   * with the relay's key and registers the subscription with the relay.
   */
  enable(publicKey: string, showSender: boolean): Promise<NotificationPermission>;
  /** Registers the browser's current subscription again with another sender choice. */
  setShowSender(showSender: boolean): Promise<void>;
  /** Removes the subscription from the relay and the browser. */
  disable(): Promise<void>;
  /** Tells the service worker which language its notifications speak. */
  rememberLocale(locale: string): void;
}

function isIos(): boolean {
  return (
    /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    // iPadOS presents itself as a Mac, one with a touch screen.
    (navigator.userAgent.includes('Macintosh') && navigator.maxTouchPoints > 1)
  );
}

function isStandalone(): boolean {
  return (
    window.matchMedia('(display-mode: standalone)').matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true
  );
}

/**
 * How long the browser may take to register with its push service. Without internet access
 * (a closed LAN) Chromium keeps retrying and never answers: the person is told instead.
 */
const SUBSCRIBE_TIMEOUT_MS = 15_000;

/** `work`, or a `TimeoutError` DOMException once `ms` have passed. */
function withinTime<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DOMException('the push service did not answer in time', 'TimeoutError'));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

async function registration(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.ready;
}

/** The subscription's endpoint and keys, as the relay takes them. */
function inputOf(subscription: PushSubscription, showSender: boolean): PushSubscriptionInput {
  const json = subscription.toJSON();
  return {
    endpoint: subscription.endpoint,
    keys: { p256dh: json.keys?.['p256dh'] ?? '', auth: json.keys?.['auth'] ?? '' },
    showSender,
  };
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export const webPush: WebPush = {
  support() {
    const apis =
      'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
    if (apis) return 'supported';
    return isIos() && !isStandalone() ? 'needs-home-screen' : 'unsupported';
  },
  permission: () => ('Notification' in window ? Notification.permission : 'unsupported'),
  status: () => call<PushStatusView>('GET', PUSH_API.push),
  async enable(publicKey, showSender) {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') return permission;
    const manager = (await registration()).pushManager;
    let subscription = await manager.getSubscription();
    const wanted = keyBytes(publicKey);
    const key = subscription?.options.applicationServerKey;
    // A subscription made with another relay key (a restored data directory) cannot be used.
    if (
      subscription !== null &&
      (key === null || key === undefined || !sameBytes(new Uint8Array(key), wanted))
    ) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await withinTime(
      manager.subscribe({ userVisibleOnly: true, applicationServerKey: wanted }),
      SUBSCRIBE_TIMEOUT_MS,
    );
    await call<undefined>('POST', PUSH_API.subscription, inputOf(subscription, showSender));
    return permission;
  },
  async setShowSender(showSender) {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (subscription === null) return;
    await call<undefined>('POST', PUSH_API.subscription, inputOf(subscription, showSender));
  },
  async disable() {
    await call<undefined>('DELETE', PUSH_API.subscription);
    const subscription = await (await registration()).pushManager.getSubscription();
    await subscription?.unsubscribe();
  },
  rememberLocale(locale) {
    if (!('serviceWorker' in navigator)) return;
    void navigator.serviceWorker.ready.then((ready) => {
      ready.active?.postMessage({ type: 'SET_LOCALE', locale });
    });
  },
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
