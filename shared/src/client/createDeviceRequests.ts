import type { DeliveryClient } from './DeliveryClient.js';
import type { SendRequest } from './RequestWire.js';

/** The client's requests that are not delivery: keys, bundles and devices (PROTOCOL.md §2.4). */
export type DeviceRequests = Pick<
  DeliveryClient,
  | 'registerDevice'
  | 'uploadPrekeys'
  | 'fetchBundles'
  | 'listDevices'
  | 'lookupDevices'
  | 'renameDevice'
  | 'revokeDevice'
  | 'publishTrust'
  | 'fetchTrust'
  | 'storeSealedKey'
  | 'fetchSealedKey'
  | 'proveKeys'
  | 'fetchLog'
  | 'ping'
>;

/**
 * Each request as a typed method over `request`, which carries it on the connection.
 * `registered` hears of a device this connection registered.
 */
export function createDeviceRequests(
  request: SendRequest,
  registered: (device: string) => void,
): DeviceRequests {
  return {
    async registerDevice(name, identity) {
      const reply = await request('register-device', (id) => ({
        t: 'register-device',
        id,
        name,
        identity,
      }));
      registered(reply.device);
      return { device: reply.device };
    },
    async uploadPrekeys(prekeys) {
      const reply = await request('upload-prekeys', (id) => ({
        t: 'upload-prekeys',
        id,
        ...prekeys,
      }));
      return { oneTimePrekeys: reply.oneTimePrekeys };
    },
    async fetchBundles(account) {
      const reply = await request('fetch-bundles', (id) => ({ t: 'fetch-bundles', id, account }));
      return { bundles: reply.bundles };
    },
    async listDevices() {
      const reply = await request('list-devices', (id) => ({ t: 'list-devices', id }));
      return { devices: reply.devices };
    },
    async lookupDevices(devices) {
      const reply = await request('lookup-devices', (id) => ({
        t: 'lookup-devices',
        id,
        devices: [...devices],
      }));
      return { devices: reply.devices };
    },
    async renameDevice(target, name) {
      await request('rename-device', (id) => ({ t: 'rename-device', id, device: target, name }));
    },
    async revokeDevice(target) {
      await request('revoke-device', (id) => ({ t: 'revoke-device', id, device: target }));
    },
    async publishTrust(upload) {
      await request('publish-trust', (id) => ({
        t: 'publish-trust',
        id,
        ...upload,
        certificates: [...upload.certificates],
      }));
    },
    async fetchTrust(account) {
      const reply = await request('fetch-trust', (id) => ({ t: 'fetch-trust', id, account }));
      return {
        account: reply.account,
        accountKey: reply.accountKey,
        list: reply.list,
        certificates: reply.certificates,
      };
    },
    async storeSealedKey(credential, sealed) {
      await request('store-sealed-key', (id) => ({
        t: 'store-sealed-key',
        id,
        credential,
        sealed: new Uint8Array(sealed),
      }));
    },
    async fetchSealedKey() {
      const reply = await request('fetch-sealed-key', (id) => ({ t: 'fetch-sealed-key', id }));
      return { credential: reply.credential, sealed: reply.sealed };
    },
    async proveKeys(objects, from) {
      const reply = await request('prove-keys', (id) => ({
        t: 'prove-keys',
        id,
        objects: objects.map((hash) => Uint8Array.from(hash)),
        from,
      }));
      return {
        checkpoint: reply.checkpoint,
        verifierKey: reply.verifierKey,
        entries: reply.entries,
        consistency: reply.consistency,
      };
    },
    async fetchLog(from, limit) {
      const reply = await request('fetch-log', (id) => ({ t: 'fetch-log', id, from, limit }));
      return { checkpoint: reply.checkpoint, edge: reply.edge, leaves: reply.leaves };
    },
    async ping() {
      await request('ping', (id) => ({ t: 'ping', id }));
    },
  };
}
