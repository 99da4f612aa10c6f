/** The Notification API, as the chat uses it: ask once, show only while the page is hidden. */
export interface MessageNotifications {
  /** 'default' until the person answers; 'unsupported' where the API is missing. */
  permission(): NotificationPermission | 'unsupported';
  request(): Promise<NotificationPermission | 'unsupported'>;
  /** Shown only when the app is in the background; one per conversation (replaced by tag). */
  show(title: string, body: string, tag: string, onClick: () => void): void;
  /**
   * Closes the notification shown with this tag, if any, the service worker's push notifications
   * included: its messages were read, here or on another device.
   */
  dismiss(tag: string): void;
  /** Closes every push notification: nothing is unread any more. */
  dismissAll(): void;
}

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
