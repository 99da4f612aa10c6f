import { randomBytes } from 'node:crypto';
import {
  createPrekeyBundle,
  encryptMessage,
  initiateSession,
  labels,
} from '@vaultroom/shared/crypto';
import { LIMITS } from '@vaultroom/shared/protocol';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './apiClient.js';
import { signUp, type DeviceSocket } from './deviceSocket.js';
import { connect, enrol, type EnrolledDevice } from './enrolDevice.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';

/*
 * PROTOCOL.md §1.5.7: each first message makes its recipient run a whole handshake, so the relay
 * bounds how many different ones an account starts towards one device in an hour.
 */
describe('first-message handshakes on a real relay', () => {
  let relay: RelayProcess;
  let mallory: ApiClient;
  let alice: ApiClient;
  let malloryDevice: EnrolledDevice;
  let bobDevice: EnrolledDevice;
  let bobSecondDevice: EnrolledDevice;
  let sockets: DeviceSocket[] = [];

  beforeAll(async () => {
    await sodium.ready;
    relay = await startRelayProcess();
    mallory = await signUp(relay, relay.adminInvite() ?? '', 'mallory');
    const invite = async () =>
      String(
        (
          await mallory.request('POST', '/api/invites', {
            role: 'member',
            maxUses: 1,
            expiresInHours: 1,
          })
        ).body['link'],
      );
    const bob = await signUp(relay, await invite(), 'bob');
    alice = await signUp(relay, await invite(), 'alice');
    const enrolled = async (client: ApiClient, name: string) => {
      const socket = await connect(relay, client, null);
      sockets.push(socket);
      return enrol(socket, name);
    };
    malloryDevice = await enrolled(mallory, 'Mallory laptop');
    bobDevice = await enrolled(bob, 'Bob phone');
    bobSecondDevice = await enrolled(bob, 'Bob laptop');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    sockets = [];
    await relay.stop();
  });

  /** A first message to Bob's phone from `sender`'s keys, under a fresh ephemeral key each call. */
  const firstMessage = (sender: EnrolledDevice, to: EnrolledDevice) => {
    const { identity, signedPrekey, pqPrekey } = to.keys;
    const bundle = createPrekeyBundle(identity, signedPrekey, pqPrekey);
    const session = initiateSession(sodium, sender.keys.identity, bundle, Date.now());
    return Uint8Array.from(encryptMessage(sodium, session, new Uint8Array(16)).message);
  };
  const send = async (socket: DeviceSocket, device: string, body: Uint8Array) =>
    await socket.request({
      t: 'send',
      id: socket.id(),
      msg: new Uint8Array(randomBytes(16)),
      to: [{ device, body: Uint8Array.from(body) }],
    });

  it('takes 20 new handshakes from one account to one device in an hour, then refuses more', async () => {
    const socket = await connect(relay, mallory, malloryDevice.id);
    sockets.push(socket);
    const limit = LIMITS.handshakesPerDevicePerHour;
    const admitted: Uint8Array[] = [];
    for (let n = 0; n < limit; n++) {
      const body = firstMessage(malloryDevice, bobDevice);
      expect((await send(socket, bobDevice.id, body)).t).toBe('sent');
      admitted.push(body);
    }
    const refused = await send(socket, bobDevice.id, firstMessage(malloryDevice, bobDevice));
    expect(refused).toMatchObject({ t: 'error', code: 'RATE_LIMITED' });

    // What an honest app sends still goes: another message of an admitted, unanswered session,
    // and messages of sessions already answered (the ratchet type).
    expect((await send(socket, bobDevice.id, admitted[0] ?? new Uint8Array())).t).toBe('sent');
    const ratchet = Uint8Array.from([1, labels.MESSAGE_TYPE.ratchet, ...randomBytes(80)]);
    expect((await send(socket, bobDevice.id, ratchet)).t).toBe('sent');
    // Bob's other device and other senders have budgets of their own.
    const other = firstMessage(malloryDevice, bobSecondDevice);
    expect((await send(socket, bobSecondDevice.id, other)).t).toBe('sent');
    const aliceSocket = await connect(relay, alice, null);
    sockets.push(aliceSocket);
    const aliceDevice = await enrol(aliceSocket, 'Alice phone');
    const fromAlice = firstMessage(aliceDevice, bobDevice);
    expect((await send(aliceSocket, bobDevice.id, fromAlice)).t).toBe('sent');
  });
});
