import { PUSH_API, type PushStatusView, type PushSubscriptionInput } from '@vaultroom/shared';
import { call } from './accountsClient.js';
import type { WebPush } from '../core/ports.js';

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
