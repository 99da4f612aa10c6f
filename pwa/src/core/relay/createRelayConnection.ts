import {
  createDeliveryClient,
  type ConnectionState,
  type DeliveryClient,
  type DeliveryClientOptions,
  type SocketFactory,
  type SocketPort,
} from '@vaultroom/shared/client';
import type { ChatTransport, ChatTransportHandlers } from '../chat/createChatEngine.js';

/** What the account session hears from the connection while signed in. */
export interface SessionConnectionEvents {
  /**
   * The relay closed the socket with 1008: it ends sockets for policy reasons only when their
   * session is gone, but the session should still confirm (`GET /api/me`) before signing out.
   */
  readonly onSessionEnded: () => void;
  /**
   * A socket closed without ever opening. The browser hides why (a 401 from the upgrade looks
   * like any network failure, PROTOCOL.md §2.6.1), so the session asks the relay whether it
   * still exists, e.g. after the device slept through its revocation.
   */
  readonly onConnectFailed: () => void;
}

/** The connection as the account session drives it: open while signed in, closed otherwise. */
export interface SessionConnection {
  start(events: SessionConnectionEvents): void;
  stop(): void;
}

export interface RelayConnection extends SessionConnection {
  /**
   * The chat's link for its device: replaces the connection without a device by one that names
   * it. Closing the link goes back to a connection without a device while signed in.
   */
  connectChat(handlers: ChatTransportHandlers): ChatTransport;
}

/** What every delivery client of this tab shares: where and how to connect. */
export type RelayClientOptions = Pick<
  DeliveryClientOptions,
  'url' | 'connect' | 'clock' | 'random' | 'randomBytes' | 'onIssue'
>;

export interface RelayConnectionOptions {
  readonly client: RelayClientOptions;
  /**
   * Calls `wake` whenever a wait may be cut short: the device is back online, or the app comes
   * to the foreground. Returns the unsubscribe function.
   */
  readonly subscribeWakeups?: (wake: () => void) => () => void;
}

const ENDED: ReadonlySet<ConnectionState> = new Set(['signed-out', 'closed', 'incompatible']);

/**
 * Wraps a socket factory to tell when a socket closes without having opened, other than by our
 * own `close()`: the client assigns its hooks to the port returned, so the wrapper keeps its own.
 */
function watchOpening(connect: SocketFactory, onNeverOpened: () => void): SocketFactory {
  return (url) => {
    const inner = connect(url);
    let opened = false;
    let closedByUs = false;
    const outer: SocketPort = {
      send: (bytes) => {
        inner.send(bytes);
      },
      close: (code) => {
        closedByUs = true;
        inner.close(code);
      },
      onOpen: () => undefined,
      onMessage: () => undefined,
      onClose: () => undefined,
    };
    inner.onOpen = () => {
      opened = true;
      outer.onOpen();
    };
    inner.onMessage = (bytes) => {
      outer.onMessage(bytes);
    };
    inner.onClose = (code) => {
      if (!opened && !closedByUs) onNeverOpened();
      outer.onClose(code);
    };
    return outer;
  };
}

/**
 * The tab's one socket to the relay (`/ws`), open from sign-in to sign-out. Until the chat has
 * its device open (e.g. while its store is locked), the delivery client says hello without a
 * device (PROTOCOL.md §2.6.1): nothing is delivered, but the relay can end the session live
 * (close 1008). The chat then takes the connection over with its device, and gives it back when
 * it closes. Each socket counts against the account's connection cap, so never two at once.
 */
export function createRelayConnection(options: RelayConnectionOptions): RelayConnection {
  let events: SessionConnectionEvents | null = null;
  let client: DeliveryClient | null = null;
  let unsubscribeClient: () => void = () => undefined;
  let unsubscribeWakeups: () => void = () => undefined;

  function open(chat: ChatTransportHandlers | null): DeliveryClient {
    closeCurrent();
    const next: DeliveryClient = createDeliveryClient({
      ...options.client,
      connect: watchOpening(options.client.connect, () => {
        if (client === next) events?.onConnectFailed();
      }),
      device: chat?.device ?? null,
      // Without a device the relay delivers nothing (§2.6.1).
      onEnvelope: chat?.onEnvelope ?? (() => Promise.resolve()),
      ...(chat === null
        ? {}
        : {
            outbox: chat.outbox,
            onPrekeysLow: chat.onPrekeysLow,
            onQueueEmpty: chat.onQueueEmpty,
            onTrustChanged: chat.onTrustChanged,
          }),
    });
    client = next;
    unsubscribeClient = next.subscribe((state) => {
      if (state === 'signed-out' && client === next) events?.onSessionEnded();
    });
    return next;
  }

  function closeCurrent(): void {
    const current = client;
    client = null;
    unsubscribeClient();
    unsubscribeClient = () => undefined;
    current?.close();
  }

  return {
    start(next) {
      const starting = events === null;
      events = next;
      // A connection that ended (1008 before the session was confirmed) is replaced.
      if (client === null || ENDED.has(client.state)) open(null);
      if (starting) {
        unsubscribeWakeups =
          options.subscribeWakeups?.(() => {
            client?.reconnectNow();
          }) ?? (() => undefined);
      }
    },

    stop() {
      events = null;
      unsubscribeWakeups();
      unsubscribeWakeups = () => undefined;
      closeCurrent();
    },

    connectChat(handlers) {
      const link = open(handlers);
      return {
        get state() {
          return link.state;
        },
        subscribe: (listener) => link.subscribe(listener),
        registerDevice: (name, identity) => link.registerDevice(name, identity),
        uploadPrekeys: (prekeys) => link.uploadPrekeys(prekeys),
        fetchBundles: (account) => link.fetchBundles(account),
        listDevices: () => link.listDevices(),
        lookupDevices: (devices) => link.lookupDevices(devices),
        renameDevice: (device, name) => link.renameDevice(device, name),
        revokeDevice: (device) => link.revokeDevice(device),
        proveKeys: (objects, from) => link.proveKeys(objects, from),
        fetchLog: (from, limit) => link.fetchLog(from, limit),
        send: (to, msg) => link.send(to, msg),
        subscribeSends: (listener) => link.subscribeSends(listener),
        publishTrust: (upload) => link.publishTrust(upload),
        fetchTrust: (account) => link.fetchTrust(account),
        storeSealedKey: (credential, sealed) => link.storeSealedKey(credential, sealed),
        fetchSealedKey: () => link.fetchSealedKey(),
        close() {
          if (client !== link) {
            link.close();
            return;
          }
          closeCurrent();
          // Still signed in (the chat closed, e.g. to lock or reopen): keep the session's socket.
          if (events !== null) open(null);
        },
      };
    },
  };
}
