import { ProtocolError, type ClientFrame, type ServerFrame } from '@vaultroom/shared/protocol';
import { proveKeys } from '../audit/proveKeys.js';
import { readLogLeaves } from '../audit/readLogLeaves.js';
import { fetchBundles } from '../devices/fetchBundles.js';
import { fetchSealedKey } from '../devices/fetchSealedKey.js';
import { fetchTrust } from '../devices/fetchTrust.js';
import { listDevices } from '../devices/listDevices.js';
import { lookupDevices } from '../devices/lookupDevices.js';
import { publishTrust } from '../devices/publishTrust.js';
import { registerDevice } from '../devices/registerDevice.js';
import { renameDevice } from '../devices/renameDevice.js';
import { revokeDevice } from '../devices/revokeDevice.js';
import { storeSealedKey } from '../devices/storeSealedKey.js';
import { uploadPrekeys } from '../devices/uploadPrekeys.js';
import type { Caller, DeliveryContext } from './DeliveryContext.js';

/** The requests of a device connection that are not delivery: keys and devices (§2.4). */
export type DeviceRequest = Exclude<ClientFrame, { t: 'hello' | 'send' | 'ack' }>;

export interface DeviceRequestHooks {
  /** The connection registered a device: bind it, so the relay delivers to it. */
  readonly attachDevice: (deviceId: string) => void;
  /** Refuses a bundle fetch past its budget (true when allowed). */
  readonly takeBundleFetch: () => boolean;
  /** A device was told it holds few one-time prekeys. */
  readonly notifyPrekeysLow: (deviceId: string, remaining: number) => void;
  /** A device was revoked (after the reply is sent): its connections close, sessions end. */
  readonly deviceRevoked: (deviceId: string, endedSessions: readonly string[]) => void;
  /** The account's trust objects changed (after the reply): tell its other connected devices. */
  readonly trustChanged: (handle: string) => void;
}

/** Bytes as the wire schema types them (a fresh ArrayBuffer, not a database Buffer's pool). */
const bytes = (value: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(value);

/** A request's reply, and what must happen once it is on its way. */
export interface DeviceRequestOutcome {
  readonly reply: ServerFrame;
  readonly afterReply?: () => void;
}

/**
 * Answers one device request, or throws a ProtocolError with the code to refuse it with. The
 * caller is the connection's account, session and device.
 */
export async function handleDeviceRequest(
  ctx: DeliveryContext,
  caller: Caller,
  frame: DeviceRequest,
  hooks: DeviceRequestHooks,
): Promise<DeviceRequestOutcome> {
  switch (frame.t) {
    case 'register-device': {
      if (caller.deviceId !== null)
        throw new ProtocolError('FORBIDDEN', 'this connection has a device');
      const device = await registerDevice(ctx, caller, frame);
      hooks.attachDevice(device);
      return { reply: { t: 'device-registered', id: frame.id, device } };
    }
    case 'upload-prekeys': {
      const count = await uploadPrekeys(ctx, caller, frame);
      const reply: ServerFrame = { t: 'prekeys-stored', id: frame.id, oneTimePrekeys: count };
      if (frame.signedPrekey === null) return { reply };
      // New signed prekeys make a device reachable (a new device's first keys, or a rotation):
      // the account's other devices look at its devices again, so that one added by someone
      // else (an administrator's recovery link, a stolen session) is shown at once (§2.9).
      const { handle } = await ctx.db
        .selectFrom('accounts')
        .select('handle')
        .where('id', '=', caller.accountId)
        .executeTakeFirstOrThrow();
      return {
        reply,
        afterReply: () => {
          hooks.trustChanged(handle);
        },
      };
    }
    case 'fetch-bundles': {
      if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
      if (!hooks.takeBundleFetch()) throw new ProtocolError('RATE_LIMITED');
      const bundles = await fetchBundles(ctx, frame.account, hooks.notifyPrekeysLow);
      return { reply: { t: 'bundles', id: frame.id, bundles } };
    }
    case 'list-devices':
      return { reply: { t: 'devices', id: frame.id, devices: await listDevices(ctx, caller) } };
    case 'lookup-devices':
      if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
      return {
        reply: {
          t: 'device-owners',
          id: frame.id,
          devices: await lookupDevices(ctx, frame.devices),
        },
      };
    case 'rename-device':
      await renameDevice(ctx, caller, frame);
      return { reply: { t: 'done', id: frame.id } };
    case 'revoke-device': {
      const ended = await revokeDevice(ctx, caller, frame.device);
      // After the reply: the revoking connection may be one of the revoked device's.
      return {
        reply: { t: 'done', id: frame.id },
        afterReply: () => {
          hooks.deviceRevoked(frame.device, ended);
        },
      };
    }
    case 'publish-trust': {
      const published = await publishTrust(ctx, caller, frame);
      return {
        reply: { t: 'done', id: frame.id },
        afterReply: () => {
          for (const { deviceId, endedSessions } of published.revoked) {
            hooks.deviceRevoked(deviceId, endedSessions);
          }
          hooks.trustChanged(published.handle);
        },
      };
    }
    case 'fetch-trust': {
      const trust = await fetchTrust(ctx, frame.account);
      return {
        reply: {
          t: 'trust',
          id: frame.id,
          account: trust.account,
          accountKey: trust.accountKey === null ? null : bytes(trust.accountKey),
          list: trust.list === null ? null : bytes(trust.list),
          certificates: trust.certificates.map(bytes),
        },
      };
    }
    // The log's leaves name other accounts' events: only a registered device reads them (§2.11).
    case 'prove-keys':
      if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
      return { reply: await proveKeys(ctx.db, ctx.keyLog, frame) };
    case 'fetch-log':
      if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
      return { reply: await readLogLeaves(ctx.db, ctx.keyLog, frame) };
    case 'store-sealed-key':
      await storeSealedKey(ctx, caller, frame);
      return { reply: { t: 'done', id: frame.id } };
    case 'fetch-sealed-key': {
      const sealed = await fetchSealedKey(ctx, caller);
      return {
        reply: {
          t: 'sealed-key',
          id: frame.id,
          credential: sealed.credential,
          sealed: sealed.sealed === null ? null : bytes(sealed.sealed),
        },
      };
    }
    case 'ping':
      return { reply: { t: 'done', id: frame.id } };
  }
}
