import sodium from 'libsodium-wrappers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clock, createFakeRelay, person, settle } from './chatEngineTestRelay.js';
import { FAILED_FIRST_MESSAGES_PER_WINDOW, FIRST_MESSAGE_WINDOW_MS } from './handshakeBudget.js';

describe('forged first messages (PROTOCOL.md §1.5.7)', () => {
  beforeAll(async () => {
    await sodium.ready;
  });
  afterEach(() => {
    clock.offset = 0;
  });

  it('cost an account its budget of failures, then are refused unopened, while others still get through', async () => {
    const relay = createFakeRelay();
    const bob = await person(relay, 'bob');
    const mallory = await person(relay, 'mallory');
    const alice = await person(relay, 'alice');
    const bobDevice = bob.device();

    // Mallory's app makes one real first message to Bob; she sends copies with the ciphertext
    // altered, each of which Bob's device can only refuse after the whole handshake's work.
    bob.setOnline(false);
    await mallory.engine.startConversation('bob');
    await mallory.engine.sendText('bob', 'a real first message');
    await settle();
    const device = relay.devices.get(bobDevice);
    const real = device?.mailbox.splice(0)[0];
    if (real === undefined) throw new Error('nothing queued');
    const forged = 3 * FAILED_FIRST_MESSAGES_PER_WINDOW;
    for (let i = 0; i < forged; i++) {
      const body = Uint8Array.from(real.body);
      const at = body.length - 1 - i;
      body[at] = (body[at] ?? 0) ^ 1;
      relay.inject(bobDevice, mallory.device(), body);
    }
    bob.setOnline(true);
    await settle();
    const failed = bob.issues.filter((issue) => issue.kind === 'undecryptable');
    const refused = bob.issues.filter((issue) => issue.kind === 'first-message-refused');
    expect(failed).toHaveLength(FAILED_FIRST_MESSAGES_PER_WINDOW);
    expect(refused).toHaveLength(forged - FAILED_FIRST_MESSAGES_PER_WINDOW);
    expect(refused[0]).toMatchObject({ account: 'mallory', fromDevice: mallory.device() });
    expect(device?.mailbox).toEqual([]); // refused ones are acked, not delivered again

    // Alice's first message is not Mallory's to spend.
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hello from alice');
    await settle();
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toEqual([
      'hello from alice',
    ]);

    // An hour on, Mallory's failures have aged out and her real message opens.
    clock.offset = FIRST_MESSAGE_WINDOW_MS;
    relay.inject(bobDevice, mallory.device(), real.body);
    await settle();
    expect((await bob.engine.listMessages('mallory')).map((m) => m.text)).toEqual([
      'a real first message',
    ]);
  });
});
