import { generateDeviceKeys, type DeviceKeys } from '@vaultroom/shared/crypto';
import { PROTOCOL_VERSION, type ServerFrame } from '@vaultroom/shared/protocol';
import sodium from 'libsodium-wrappers';
import { expect } from 'vitest';
import type { ApiClient } from './apiClient.js';
import { DeviceSocket } from './deviceSocket.js';
import type { RelayProcess } from './relayProcess.js';

export interface EnrolledDevice {
  readonly keys: DeviceKeys;
  readonly id: string;
}

/** The protocol library's keys as the exact-length byte fields the wire schema takes. */
const bytes = (value: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(value);

/** Registers a device with real keys from the protocol library and publishes its prekeys. */
export async function enrol(
  socket: DeviceSocket,
  name: string,
  oneTimePrekeys = 10,
): Promise<EnrolledDevice> {
  await sodium.ready;
  const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys });
  const registered = await socket.request({
    t: 'register-device',
    id: socket.id(),
    name,
    identity: {
      signingPublicKey: bytes(keys.identity.signingPublicKey),
      dhPublicKey: bytes(keys.identity.dhPublicKey),
      dhSignature: bytes(keys.identity.dhSignature),
    },
  });
  expect(registered.t).toBe('device-registered');
  const stored = await socket.request({
    t: 'upload-prekeys',
    id: socket.id(),
    signedPrekey: {
      id: keys.signedPrekey.id,
      createdAt: keys.signedPrekey.createdAt,
      publicKey: bytes(keys.signedPrekey.publicKey),
      signature: bytes(keys.signedPrekey.signature),
    },
    pqPrekey: {
      id: keys.pqPrekey.id,
      createdAt: keys.pqPrekey.createdAt,
      publicKey: bytes(keys.pqPrekey.publicKey),
      signature: bytes(keys.pqPrekey.signature),
    },
    oneTimePrekeys: keys.oneTimePrekeys.map((prekey) => ({
      id: prekey.id,
      publicKey: bytes(prekey.publicKey),
    })),
  });
  expect(stored).toMatchObject({ t: 'prekeys-stored', oneTimePrekeys: oneTimePrekeys });
  return {
    keys,
    id: (registered as Extract<ServerFrame, { t: 'device-registered' }>).device,
  };
}

/** Opens a device socket for a signed-in client and says hello as `device`. */
export async function connect(
  relay: RelayProcess,
  client: ApiClient,
  device: string | null,
): Promise<DeviceSocket> {
  const socket = await DeviceSocket.open(relay, client.cookie);
  const welcome = await socket.hello(device);
  expect(welcome).toMatchObject({ t: 'welcome', v: PROTOCOL_VERSION, device });
  return socket;
}
