import type { MessageNotifications } from '../core/ports.js';
/** Closes the service worker's notifications (those shown for pushes), of one tag or all. */
function closeWorkerNotifications(filter?: { tag: string }): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.getNotifications(filter))
    .then((notifications) => {
      for (const notification of notifications) notification.close();
    })
    .catch(() => undefined);
}

/** What this page is showing, by tag: `Notification` has no lookup outside a service worker. */
const shown = new Map<string, Notification>();

export const browserNotifications: MessageNotifications = {
  permission: () => ('Notification' in window ? Notification.permission : 'unsupported'),
  async request() {
    if (!('Notification' in window)) return 'unsupported';
    return Notification.requestPermission();
  },
  show(title, body, tag, onClick) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    if (document.visibilityState === 'visible') return;
    const notification = new Notification(title, { body, tag, icon: '/icon.svg' });
    shown.set(tag, notification);
    notification.addEventListener('close', () => {
      if (shown.get(tag) === notification) shown.delete(tag);
    });
    notification.addEventListener('click', () => {
      window.focus();
      onClick();
      notification.close();
    });
  },
  dismiss(tag) {
    shown.get(tag)?.close();
    shown.delete(tag);
    closeWorkerNotifications({ tag });
  },
  dismissAll() {
    closeWorkerNotifications();
  },
};
