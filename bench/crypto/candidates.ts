/** The candidates of the protocol benchmark: ratchet, group and handshake, as the app runs them. */
import sodium from 'libsodium-wrappers';
import {
  createMemoryStores,
  createPrekeyBundle,
  createSenderKey,
  decodeRatchetMessage,
  decryptMessage,
  encryptMessage,
  generateDeviceKeys,
  generateOneTimePrekeys,
  groupEncrypt,
  initiateSession,
  receiveMessage,
  sendMessage,
  type SessionState,
} from '@vaultroom/shared/crypto';
import { message } from './inputs.js';
import { cost, costAsync, use } from './measure.js';

// Two connected sessions in steady state (one sending chain, no DH step per message).
const alice = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
const bob = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
const aliceStores = createMemoryStores(alice);
const bobStores = createMemoryStores(bob);
await aliceStores.sessions.storeSession(
  'bob',
  initiateSession(
    sodium,
    alice.identity,
    createPrekeyBundle(bob.identity, bob.signedPrekey, bob.pqPrekey),
    0,
  ),
);
await receiveMessage(
  sodium,
  bobStores,
  bob.identity,
  'alice',
  await sendMessage(sodium, aliceStores.sessions, 'bob', message),
);
await receiveMessage(
  sodium,
  aliceStores,
  alice.identity,
  'bob',
  await sendMessage(sodium, bobStores.sessions, 'alice', message),
);
function stored(stores: typeof aliceStores, address: string): SessionState {
  const session = stores.peekSession(address);
  if (!session) throw new Error(`no session with ${address}`);
  return session;
}
let sender = stored(aliceStores, 'bob');
let receiver = stored(bobStores, 'alice');

/** A ratchet message end to end: encrypt, parse, decrypt (what sendMessage/receiveMessage do). */
export const ratchet = (n: number) =>
  cost(n, () => {
    const out = encryptMessage(sodium, sender, message);
    sender = out.session;
    const opened = decryptMessage(sodium, receiver, decodeRatchetMessage(out.message));
    receiver = opened.session;
    use(opened.content);
  });

let senderKey = createSenderKey(sodium, new Uint8Array(16));
export const group = (n: number) =>
  cost(n, () => {
    const out = groupEncrypt(sodium, senderKey, message);
    senderKey = out.state;
    use(out.message);
  });

/**
 * Handshakes against a fresh responder holding enough one-time prekeys (made before timing):
 * the initiator verifies the bundle, 4 DHs + X-Wing encapsulation, first message; the responder
 * 4 DHs + X-Wing decapsulation and the first decrypt; stores in memory.
 */
export async function handshakes(n: number): Promise<number> {
  const responder = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 0 });
  const prekeys = generateOneTimePrekeys(sodium, 1, n);
  const stores = createMemoryStores({ ...responder, oneTimePrekeys: prekeys });
  let i = 0;
  return costAsync(n, async () => {
    const bundle = createPrekeyBundle(
      responder.identity,
      responder.signedPrekey,
      responder.pqPrekey,
      prekeys[i++],
    );
    const session = initiateSession(sodium, alice.identity, bundle, 0);
    const first = encryptMessage(sodium, session, message).message;
    await receiveMessage(sodium, stores, responder.identity, `peer${i}`, first);
  });
}
