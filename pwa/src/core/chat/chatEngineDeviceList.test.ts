import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from './ChatEngine.js';
import { createFakeRelay, person, settle } from './chatEngineTestRelay.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';

describe('the chat engine’s list of its own account’s devices', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('lists every device the relay has for the account, approved only where the account key certifies it', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    // Another passkey with no sealed key: a device nobody approved (yet).
    const stranger = await person(relay, 'alice', createMemorySealedStore(), {
      passkey: 'alice-recovered',
    });
    await person(relay, 'bob');
    const events: ChatEvent[] = [];
    laptop.engine.subscribe((event) => events.push(event));

    const devices = await laptop.engine.listOwnDevices();
    expect(devices.map(({ device, current, approved }) => ({ device, current, approved }))).toEqual(
      [
        { device: laptop.device(), current: true, approved: true },
        { device: phone.device(), current: false, approved: true },
        { device: stranger.device(), current: false, approved: false },
      ],
    );
    expect(devices[0]?.name).toBe("alice's browser");
    expect(devices[0]?.createdAt).toBeGreaterThan(0);
    // What the notice counts follows the list.
    expect(events).toContainEqual({ kind: 'devices-waiting', devices: [stranger.device()] });

    // The waiting device sees the same list, itself as this device and not approved; without
    // the account key it accepts no list, so of the others it cannot tell.
    const seen = await stranger.engine.listOwnDevices();
    expect(seen.map(({ device, current, approved }) => ({ device, current, approved }))).toEqual([
      { device: laptop.device(), current: false, approved: null },
      { device: phone.device(), current: false, approved: null },
      { device: stranger.device(), current: true, approved: false },
    ]);
  });

  it('renames a device at the relay', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    await laptop.engine.renameDevice(phone.device(), 'Work phone');
    const devices = await laptop.engine.listOwnDevices();
    expect(devices.find((d) => d.device === phone.device())?.name).toBe('Work phone');
  });

  it('removes a waiting device at the relay without a new list, and a certified one with a newer list', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    const stranger = await person(relay, 'alice', createMemorySealedStore(), {
      passkey: 'alice-recovered',
    });
    expect(relay.trust.accounts.get('alice')?.version).toBe(2);

    await laptop.engine.revokeDevice(stranger.device());
    await settle();
    // Never in a list, so the list stays as it was; the relay no longer has the device.
    expect(relay.trust.accounts.get('alice')?.version).toBe(2);
    expect(relay.devices.has(stranger.device())).toBe(false);
    expect((await laptop.engine.listOwnDevices()).map((d) => d.device)).toEqual([
      laptop.device(),
      phone.device(),
    ]);
    expect(await laptop.engine.devicesWaiting()).toEqual([]);

    await laptop.engine.revokeDevice(phone.device());
    await settle();
    expect(relay.trust.accounts.get('alice')?.version).toBe(3);
    expect(
      (await laptop.engine.listOwnDevices()).find((d) => d.device === phone.device())?.approved,
    ).toBe(false);
  });

  it('removes neither this device nor any from a device that is not approved', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const stranger = await person(relay, 'alice', createMemorySealedStore(), {
      passkey: 'alice-recovered',
    });
    await expect(laptop.engine.revokeDevice(laptop.device())).rejects.toMatchObject({
      code: 'UNKNOWN_DEVICE',
    });
    await expect(stranger.engine.revokeDevice(laptop.device())).rejects.toMatchObject({
      code: 'NOT_CERTIFIED',
    });
    expect(relay.devices.has(laptop.device())).toBe(true);
  });
});
