import type { OneTimePrekeyPair, PqPrekeyPair, SignedPrekeyPair } from './keyTypes.js';
import type { SessionState } from './SessionState.js';
import type { PrekeyStore, SenderKeyStore, SessionStore } from './stores.js';
import type { SenderKeyState } from './SenderKeyState.js';
import type { DeviceKeys } from './generateDeviceKeys.js';
import { toHex } from './bytes.js';

export interface MemoryStores {
  readonly sessions: SessionStore;
  readonly prekeys: PrekeyStore;
  readonly senderKeys: SenderKeyStore;
  /** Direct view for tests and benchmarks: how many one-time prekeys are left. */
  oneTimePrekeyCount(): number;
  /** Direct view for tests and benchmarks: the session stored for `address`. */
  peekSession(address: string): SessionState | undefined;
}

/**
 * In-memory stores holding one device's keys: for the relay's tests and benchmarks and for
 * this library's own tests. Production clients implement the same interfaces over IndexedDB.
 */
export function createMemoryStores(keys: DeviceKeys): MemoryStores {
  const sessions = new Map<string, SessionState>();
  const signed = new Map<number, SignedPrekeyPair>([[keys.signedPrekey.id, keys.signedPrekey]]);
  const pq = new Map<number, PqPrekeyPair>([[keys.pqPrekey.id, keys.pqPrekey]]);
  const oneTime = new Map<number, OneTimePrekeyPair>(
    keys.oneTimePrekeys.map((key) => [key.id, key]),
  );
  const handshakes = new Set<string>();
  const senderKeys = new Map<string, SenderKeyState>();
  const senderKeyId = (groupId: Uint8Array, address: string) => `${toHex(groupId)}/${address}`;
  return {
    sessions: {
      loadSession: (address) => Promise.resolve(sessions.get(address)),
      storeSession: (address, session) => {
        sessions.set(address, session);
        return Promise.resolve();
      },
    },
    prekeys: {
      loadSignedPrekey: (id) => Promise.resolve(signed.get(id)),
      loadPqPrekey: (id) => Promise.resolve(pq.get(id)),
      loadOneTimePrekey: (id) => Promise.resolve(oneTime.get(id)),
      removeOneTimePrekey: (id) => {
        oneTime.delete(id);
        return Promise.resolve();
      },
      hasHandshake: (handshakeId) => Promise.resolve(handshakes.has(toHex(handshakeId))),
      recordHandshake: (handshakeId) => {
        handshakes.add(toHex(handshakeId));
        return Promise.resolve();
      },
    },
    senderKeys: {
      loadSenderKey: (groupId, address) =>
        Promise.resolve(senderKeys.get(senderKeyId(groupId, address))),
      storeSenderKey: (groupId, address, state) => {
        senderKeys.set(senderKeyId(groupId, address), state);
        return Promise.resolve();
      },
      removeSenderKeys: (groupId, address) => {
        senderKeys.delete(senderKeyId(groupId, address));
        return Promise.resolve();
      },
    },
    oneTimePrekeyCount: () => oneTime.size,
    peekSession: (address) => sessions.get(address),
  };
}
