/**
 * Test support for the chat engine's tests: the in-memory relay's requests on the devices of
 * the signed-in account. Imported only by tests.
 */
import { DeliveryError } from '@vaultroom/shared/client';

/** What the in-memory relay keeps of a device, as far as the account's device list goes. */
export interface ListedDevice {
  readonly id: string;
  readonly account: string;
  name: string;
  readonly createdAt: number;
  readonly link: { online: boolean } | null;
}

/**
 * `list-devices`, `rename-device` and `revoke-device` for `caller()`, a device of `account`.
 * A revoked device is gone from every list, with its mailbox and prekeys, its link closed.
 */
export function fakeDeviceRequests<D extends ListedDevice>(
  devices: Map<string, D>,
  account: string,
  caller: () => D,
) {
  const ownDevice = (id: string): D => {
    const target = devices.get(id);
    if (target?.account !== account) throw new DeliveryError('UNKNOWN_DEVICE');
    return target;
  };
  return {
    listDevices() {
      const self = caller();
      const of = [...devices.values()].filter((d) => d.account === account);
      return Promise.resolve({
        devices: of.map((d) => ({
          device: d.id,
          name: d.name,
          createdAt: d.createdAt,
          lastSeenAt: d.link?.online === true ? Date.now() : null,
          current: d === self,
        })),
      });
    },
    renameDevice(id: string, name: string) {
      caller();
      try {
        ownDevice(id).name = name;
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return Promise.resolve();
    },
    revokeDevice(id: string) {
      const self = caller();
      try {
        const target = ownDevice(id);
        if (target === self) throw new DeliveryError('UNKNOWN_DEVICE');
        devices.delete(id);
        if (target.link !== null) target.link.online = false;
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return Promise.resolve();
    },
  };
}
