import type { CDPSession, Worker } from 'playwright-core';

/*
 * What the push tests read inside the app's service worker, and how they reach it through the
 * DevTools protocol (which delivers a push as the browser's push service would).
 */

/** The parts of a service worker's global scope the test uses (this project has no webworker lib). */
export interface WorkerScope {
  readonly registration: {
    getNotifications(filter?: { tag: string }): Promise<Notification[]>;
  };
  dispatchEvent(event: Event): boolean;
}

export interface ShownNotification {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
  readonly icon: string;
  readonly badge: string;
  readonly data: unknown;
}

/** The notifications the service worker is showing, read inside the worker. */
export function shownNotifications(worker: Worker): Promise<ShownNotification[]> {
  return worker.evaluate(async () => {
    const scope = self as unknown as WorkerScope;
    const list = await scope.registration.getNotifications();
    return list.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      icon: n.icon,
      badge: n.badge,
      data: n.data as unknown,
    }));
  });
}

/** The registration id DevTools knows the app's service worker by. */
export async function registrationIdOf(cdp: CDPSession, scope: string): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
      const match = event.registrations.find(
        (registration) => registration.scopeURL === scope && !registration.isDeleted,
      );
      if (match !== undefined) resolve(match.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}
