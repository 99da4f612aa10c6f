/* @refresh reload */
import { Navigate, Route, Router } from '@solidjs/router';
import { ACCOUNTS_API, APP_ROUTES, type StaleDevicesResponse } from '@vaultroom/shared';
import { createEffect, lazy, type JSX } from 'solid-js';
import { render } from 'solid-js/web';
import { createMemoryKeystoreKeySink } from './core/keystore/keystoreKeySink.js';
import { createRelayConnection } from './core/relay/createRelayConnection.js';
import { accountsClient, call, verifyUser } from './platform/accountsClient.js';
import { showUnreadOnAppIcon } from './platform/appBadge.js';
import { auditClient } from './platform/auditClient.js';
import { serveFile } from './platform/serveFile.js';
import { describeVideo } from './platform/describeVideo.js';
import { browserConnectivity } from './platform/browserConnectivity.js';
import {
  browserClock,
  browserDeliverySocket,
  deliverySocketUrl,
} from './platform/browserDeliverySocket.js';
import { subscribeBrowserWakeups } from './platform/browserWakeups.js';
import { applyLocale, applyThemePreference } from './platform/documentAppearance.js';
import { fetchHealth } from './platform/fetchHealth.js';
import { browserInstallPrompt } from './platform/installPrompt.js';
import { loadSodium } from './platform/loadSodium.js';
import {
  cancelPasskeyCeremony,
  createPasskey,
  getPasskey,
  supportsPasskeyAutofill,
  unlockWithPasskey,
} from './platform/passkeyCeremonies.js';
import { preferenceStorage } from './platform/preferenceStorage.js';
import { browserNotifications } from './platform/browserNotifications.js';
import { forgetLegacyCheckpointCopy, inviteLogKeyStorage } from './platform/inviteLogKeyStorage.js';
import { lastAccountStorage } from './platform/lastAccountStorage.js';
import { openChatEngine } from './platform/openChatEngine.js';
import { deleteChatStore, forgetPasskeyWrap } from './platform/openChatKeystore.js';
import { storagePersistence } from './platform/storagePersistence.js';
import { webPush } from './platform/webPush.js';
import { AppContext, type AppServices } from './state/AppContext.js';
import { createAccountSession } from './state/createAccountSession.js';
import { createAppUpdate } from './state/createAppUpdate.js';
import { createChat } from './state/createChat.js';
import { createChatLock } from './state/createChatLock.js';
import { createInstallOffer } from './state/createInstallOffer.js';
import { createPasskeyActions } from './state/createPasskeyActions.js';
import { createPreferences } from './state/createPreferences.js';
import { createRelayStatus } from './state/createRelayStatus.js';
import { createTranslator } from './state/createTranslator.js';
import { AppFrame } from './ui/AppFrame.js';
import { ChatUnlockGate } from './ui/components/ChatUnlockPanel.js';
import { conversationPath } from './ui/components/chat/useConversationPaths.js';
import { AdminScreen } from './ui/screens/AdminScreen.js';
import { ConversationsScreen } from './ui/screens/ConversationsScreen.js';
import { JoinScreen } from './ui/screens/JoinScreen.js';
import { SettingsScreen } from './ui/screens/SettingsScreen.js';
import { SignInScreen } from './ui/screens/SignInScreen.js';
import './ui/styles/tokens.css';
import './ui/styles/base.css';
import './ui/styles/frame.css';
import './ui/styles/controls.css';
import './ui/styles/screens.css';
import './ui/styles/accounts.css';
import './ui/styles/security.css';
import './ui/styles/chat.css';
import './ui/styles/files.css';
import './ui/styles/lock.css';

// The security view brings the audit log's verification code; only those who open it load it.
const SecurityScreen = lazy(() =>
  import('./ui/screens/SecurityScreen.js').then((module) => ({ default: module.SecurityScreen })),
);

// The conversations, or the way to unlock them while this device's store is locked.
const LockableConversations = (): JSX.Element => (
  <ChatUnlockGate>
    <ConversationsScreen />
  </ChatUnlockGate>
);

// Composition root: platform adapters go into the framework-free core and the Solid state here,
// and nowhere else; screens only see the resulting services through AppContext.
function Root(): JSX.Element {
  const preferences = createPreferences({
    storage: preferenceStorage,
    browserLanguages: navigator.languages,
    applyTheme: applyThemePreference,
    applyLocale,
  });
  // PRF outputs, in memory only: they open the chat's passkey-sealed store (createChatLock).
  const keystore = createMemoryKeystoreKeySink();
  // The tab's one socket to the relay, from sign-in to sign-out; the chat takes it over once open.
  const connection = createRelayConnection({
    client: {
      url: deliverySocketUrl(),
      connect: browserDeliverySocket,
      clock: browserClock,
      random: Math.random,
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
      // Nothing secret in a delivery issue: a code, a frame type, an envelope id or an error.
      // A frame the app cannot read closes the connection (4002); the log says why.
      onIssue: (issue) => {
        console.warn('delivery:', issue.kind, issue);
      },
    },
    subscribeWakeups: subscribeBrowserWakeups,
  });
  const session = createAccountSession({
    client: accountsClient,
    lastAccount: lastAccountStorage,
    keystore,
    connection,
  });
  const t = createTranslator(preferences.locale);
  const chatLock = createChatLock({
    account: session.account,
    open: (account, keys) =>
      openChatEngine(account, keys, (handlers) => connection.connectChat(handlers), {
        accountKeySecret: () => Promise.resolve(session.accountKeySecret()),
        // Publishing a device list more than 5 minutes after sign-in needs the passkey again.
        verifyUser,
        recallAccount: session.recall,
        pinnedLogKey: inviteLogKeyStorage.read(),
      }),
    heldKeys: () => keystore.keys(),
    keysChanged: session.keystoreKeysChanged,
    acceptKey: (key) => {
      session.acceptKeystoreKey(key);
    },
    forgetKey: (credentialId) => {
      keystore.forget(credentialId);
    },
    unlockCeremony: unlockWithPasskey,
    forgetPasskeyWrap,
    deleteStore: deleteChatStore,
  });
  const relay = createRelayStatus({ fetchHealth, connectivity: browserConnectivity });
  const chat = createChat(session.account, {
    onConnected: relay.checkNow,
    // The keys and messages live only here: ask the browser not to evict them on its own.
    openEngine: (account) => {
      void storagePersistence.persist().catch(() => null);
      return chatLock.openEngine(account);
    },
    reopenRequests: chatLock.reopenRequests,
    serveFile,
    describeVideo,
    dismissNotification: (conversation) => {
      browserNotifications.dismiss(`conversation-${conversation}`);
    },
    notify: (peer, group, _text, conversation) => {
      // The text stays out of the notification: lock screens and shared screens show them.
      browserNotifications.show(
        group === null
          ? t('conversations.notifyTitle', { peer })
          : t('conversations.notifyGroupTitle', { group }),
        t('conversations.notifyBody'),
        `conversation-${conversation}`,
        () => {
          // The router follows history: a push plus popstate opens the conversation in place.
          history.pushState(null, '', conversationPath(chatLock.routes(), conversation));
          window.dispatchEvent(new PopStateEvent('popstate'));
        },
      );
    },
  });
  // Installed, the app shows its unread count on its icon, as other messengers do.
  createEffect(() => {
    const unread = chat.unreadTotal();
    showUnreadOnAppIcon(unread);
    // Read everywhere: the notices pushed while the app was closed have nothing left to say.
    if (unread === 0 && chat.status() === 'ready') browserNotifications.dismissAll();
  });
  // The service worker words push notifications in the language chosen here.
  createEffect(() => {
    webPush.rememberLocale(preferences.locale());
  });
  // A push notification clicked while the app is open: show its conversation in place.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data as { readonly type?: unknown; readonly url?: unknown } | null;
      if (data?.type !== 'OPEN_CONVERSATION' || typeof data.url !== 'string') return;
      if (!data.url.startsWith(APP_ROUTES.conversations)) return;
      history.pushState(null, '', data.url);
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
  }
  const services: AppServices = {
    preferences,
    t,
    relayStatus: relay.status,
    update: createAppUpdate(),
    install: createInstallOffer(browserInstallPrompt),
    origin: window.location.origin,
    session,
    passkeys: createPasskeyActions({
      client: accountsClient,
      session,
      ceremonies: {
        create: createPasskey,
        get: getPasskey,
        supportsAutofill: supportsPasskeyAutofill,
        cancel: cancelPasskeyCeremony,
      },
    }),
    api: accountsClient,
    audit: auditClient,
    adminDevices: {
      staleDevices: () => call<StaleDevicesResponse>('GET', ACCOUNTS_API.staleDevices),
    },
    security: {
      client: auditClient,
      loadSodium,
    },
    inviteLogKey: inviteLogKeyStorage,
    chat,
    chatLock,
    notifications: browserNotifications,
    push: webPush,
    storage: storagePersistence,
  };

  // Routes are exactly APP_ROUTES: the relay serves the app shell for those paths and below them.
  return (
    <AppContext.Provider value={services}>
      <Router root={AppFrame}>
        <Route
          path={APP_ROUTES.home}
          component={() => <Navigate href={APP_ROUTES.conversations} />}
        />
        <Route path={APP_ROUTES.signIn} component={SignInScreen} />
        <Route path={APP_ROUTES.conversations} component={LockableConversations} />
        <Route path={`${APP_ROUTES.conversations}/:id`} component={LockableConversations} />
        <Route path={APP_ROUTES.settings} component={SettingsScreen} />
        <Route path={APP_ROUTES.security} component={SecurityScreen} />
        <Route path={APP_ROUTES.join} component={JoinScreen} />
        <Route path={APP_ROUTES.admin} component={AdminScreen} />
        <Route path="*" component={() => <Navigate href={APP_ROUTES.conversations} />} />
      </Router>
    </AppContext.Provider>
  );
}

const mount = document.getElementById('app');
if (!mount) throw new Error('index.html has no #app element');
forgetLegacyCheckpointCopy();
render(() => <Root />, mount);
