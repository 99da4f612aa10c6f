import type { AccountView, SignInNotice, SignedInResponse } from '@vaultroom/shared';
import type { AccountKeySecret } from '../core/chat/ChatEngine.js';
import { createEffect, createSignal, onCleanup, type Accessor } from 'solid-js';
import { accountKnownOnlyById, isAccountKnown } from '../core/account/rememberedAccount.js';
import { ApiRequestError } from '../core/relay/ApiRequestError.js';
import type {
  SessionConnection,
  SessionConnectionEvents,
} from '../core/relay/createRelayConnection.js';
import type { KeystoreKey, KeystoreKeySink } from '../core/keystore/keystoreKeySink.js';
import type { AccountsClient, LastAccountStorage } from '../core/ports.js';

export type AccountState =
  | { readonly kind: 'checking' }
  /** `ended`: the relay ended this device's session (revoked, disabled), not the person. */
  | { readonly kind: 'signed-out'; readonly ended: boolean }
  | { readonly kind: 'signed-in'; readonly account: AccountView };

export interface AccountSessionOptions {
  readonly client: AccountsClient;
  readonly lastAccount: LastAccountStorage;
  readonly keystore: KeystoreKeySink;
  /** The tab's socket to the relay: open while signed in, closed otherwise. */
  readonly connection: SessionConnection;
}

export interface AccountSession {
  readonly state: Accessor<AccountState>;
  readonly account: Accessor<AccountView | null>;
  /** Sign-in notices not dismissed yet. */
  readonly notices: Accessor<readonly SignInNotice[]>;
  readonly dismissNotice: (kind: SignInNotice['kind']) => void;
  /** A passkey's PRF output is held for this page. */
  readonly keystoreKeyReady: Accessor<boolean>;
  /** Changes each time a PRF output is accepted or the held ones are forgotten. */
  readonly keystoreKeysChanged: Accessor<number>;
  /**
   * Records a successful ceremony: the relay set the session cookie. `accountKeySecret`: the
   * passkey's output for the account-key seal, held in memory for this session only.
   */
  readonly signedIn: (
    response: SignedInResponse,
    prfKey: KeystoreKey | null,
    accountKeySecret?: AccountKeySecret | null,
  ) => void;
  /** The session passkey's output for the account-key seal, if its ceremony gave one. */
  readonly accountKeySecret: () => AccountKeySecret | null;
  readonly acceptKeystoreKey: (key: KeystoreKey | null) => void;
  /** The account as its unlocked chat store keeps it, after an offline start knew only its id. */
  readonly recall: (account: AccountView) => void;
  readonly signOut: () => Promise<void>;
  /**
   * To call with any failed API call made while signed in: a 401 means the session is gone, and
   * the interface moves to signed-out at once. Returns the error for the caller to show.
   */
  readonly noticeError: (error: unknown) => unknown;
}

/**
 * Who is signed in on this device. Starts by asking the relay (`GET /api/me`: the session is an
 * HttpOnly cookie the page cannot read), keeps the tab's socket open while signed in so the relay
 * can end the session live, and forgets the keystore key on every way out.
 */
export function createAccountSession(options: AccountSessionOptions): AccountSession {
  const { client, keystore, connection, lastAccount } = options;
  const [state, setState] = createSignal<AccountState>({ kind: 'checking' });
  const [notices, setNotices] = createSignal<readonly SignInNotice[]>([]);
  const [keystoreKeyReady, setKeystoreKeyReady] = createSignal(false);
  const [keystoreKeysChanged, setKeystoreKeysChanged] = createSignal(0);

  let accountKeySecret: AccountKeySecret | null = null;
  const forgetKeystoreKeys = (): void => {
    accountKeySecret?.prfOutput.fill(0);
    accountKeySecret = null;
    keystore.clear();
    setKeystoreKeyReady(false);
    setKeystoreKeysChanged((count) => count + 1);
  };

  const becomeSignedOut = (ended: boolean): void => {
    lastAccount.write(null);
    forgetKeystoreKeys();
    setNotices([]);
    setState({ kind: 'signed-out', ended });
  };

  const confirmEnded = async (): Promise<void> => {
    try {
      const { account } = await client.me();
      // Still valid after all (e.g. the close raced a new sign-in): connect again.
      setState({ kind: 'signed-in', account });
      connection.start(connectionEvents);
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === 'UNAUTHENTICATED') {
        becomeSignedOut(true);
      } else {
        connection.start(connectionEvents);
      }
    }
  };

  // A socket that cannot even open may mean the session ended while this device was away.
  const checkStillSignedIn = async (): Promise<void> => {
    try {
      await client.me();
    } catch (error) {
      if (
        error instanceof ApiRequestError &&
        error.code === 'UNAUTHENTICATED' &&
        state().kind === 'signed-in'
      ) {
        connection.stop();
        becomeSignedOut(true);
      }
    }
  };

  const connectionEvents: SessionConnectionEvents = {
    onSessionEnded: () => void confirmEnded(),
    onConnectFailed: () => void checkStillSignedIn(),
  };

  createEffect(() => {
    if (state().kind === 'signed-in') connection.start(connectionEvents);
    else connection.stop();
  });
  onCleanup(() => {
    connection.stop();
  });

  const check = async (): Promise<void> => {
    try {
      const { account } = await client.me();
      lastAccount.write(account);
      setState({ kind: 'signed-in', account });
    } catch (error) {
      // No relay to ask (offline): the account last signed in here keeps its conversations
      // open; the socket signs it out if the relay says so once reachable. Any answer from the
      // relay (a 401) means nobody is signed in.
      const remembered =
        error instanceof ApiRequestError && error.code === 'NETWORK' ? lastAccount.read() : null;
      if (remembered === null) {
        if (!(error instanceof ApiRequestError && error.code === 'NETWORK'))
          lastAccount.write(null);
        setState({ kind: 'signed-out', ended: false });
      } else {
        // The handle and names are sealed in the chat store: `recall` brings them back.
        setState({
          kind: 'signed-in',
          account: remembered.account ?? accountKnownOnlyById(remembered.id),
        });
      }
    }
  };
  void check();

  const acceptKeystoreKey = (key: KeystoreKey | null): void => {
    if (key === null) return;
    keystore.accept(key);
    key.prfOutput.fill(0);
    setKeystoreKeyReady(true);
    setKeystoreKeysChanged((count) => count + 1);
  };

  return {
    state,
    account: () => {
      const current = state();
      return current.kind === 'signed-in' ? current.account : null;
    },
    notices,
    dismissNotice(kind) {
      setNotices((list) => list.filter((notice) => notice.kind !== kind));
    },
    keystoreKeyReady,
    keystoreKeysChanged,
    signedIn(response, prfKey, secret = null) {
      // Another account's outputs must never be offered to this one's store.
      const before = state();
      if (before.kind === 'signed-in' && before.account.id !== response.account.id) {
        forgetKeystoreKeys();
      }
      if (secret !== null) {
        accountKeySecret?.prfOutput.fill(0);
        accountKeySecret = { credential: secret.credential, prfOutput: secret.prfOutput.slice() };
      }
      lastAccount.write(response.account);
      acceptKeystoreKey(prfKey);
      setNotices(response.notices);
      setState({ kind: 'signed-in', account: response.account });
    },
    acceptKeystoreKey,
    recall(account) {
      const current = state();
      if (current.kind !== 'signed-in' || current.account.id !== account.id) return;
      if (isAccountKnown(current.account)) return;
      setState({ kind: 'signed-in', account });
    },
    accountKeySecret: () =>
      accountKeySecret === null
        ? null
        : {
            credential: accountKeySecret.credential,
            prfOutput: accountKeySecret.prfOutput.slice(),
          },
    async signOut() {
      // The relay closes this session's socket with 1008 as it signs out: that is not news.
      connection.stop();
      try {
        await client.signOut();
      } finally {
        becomeSignedOut(false);
      }
    },
    noticeError(error) {
      if (
        error instanceof ApiRequestError &&
        error.code === 'UNAUTHENTICATED' &&
        state().kind === 'signed-in'
      ) {
        becomeSignedOut(true);
      }
      return error;
    },
  };
}
