/**
 * Test support for the chat engine's tests: a relay in memory with the delivery client's
 * contract, and people (an engine each) signed up on it. Imported only by tests.
 */
import type {
  ConnectionState,
  DeliveryErrorCode,
  Envelope,
  SendUpdate,
} from '@vaultroom/shared/client';
import { DeliveryError } from '@vaultroom/shared/client';
import { encodePrekeyBundle, type PrekeyBundle } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import {
  createChatEngine,
  type ChatEngine,
  type ChatEngineOptions,
  type ChatIssue,
  type ChatTransport,
  type ChatTransportHandlers,
} from './createChatEngine.js';
import { fakeDeviceRequests } from './chatEngineTestDevices.js';
import { createFakeKeyLog } from './chatEngineTestLog.js';
import { createFakeTrust, testPasskey } from './chatEngineTestTrust.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import type { SealedStore } from './SealedStore.js';

type Upload = Parameters<ChatTransport['uploadPrekeys']>[0];

interface FakeDevice {
  readonly id: string;
  readonly account: string;
  readonly identity: PrekeyBundle['identity'];
  name: string;
  readonly createdAt: number;
  signedPrekey: Upload['signedPrekey'];
  pqPrekey: Upload['pqPrekey'];
  oneTime: Upload['oneTimePrekeys'][number][];
  link: FakeLink | null;
  mailbox: Envelope[];
}

interface FakeLink {
  handlers: ChatTransportHandlers;
  online: boolean;
  deliver(envelope: Envelope): void;
}

/**
 * A relay in memory with the delivery client's contract: bundles hand out each one-time prekey
 * once, a send is `sent` once every envelope is held, mailboxes drain on reconnect.
 */
export function createFakeRelay() {
  const devices = new Map<string, FakeDevice>();
  /**
   * Registrations to refuse before accepting again (a relay hiccup during enrolment), and codes
   * to refuse the next sends with, one each, before storing them (a full mailbox, a slow reader).
   */
  const faults = { registrations: 0, sends: [] as DeliveryErrorCode[] };
  let nextId = 1;
  let envelopeId = 1;
  /** Every envelope stored for a device, in order: who it was for and which device sent it. */
  const log: { readonly to: string; readonly from: string }[] = [];
  /**
   * What a lying relay answers instead of the truth: bundles served for a handle, and the
   * account it names as a device's owner.
   */
  const lies = {
    bundles: new Map<string, { device: string; bundle: Uint8Array<ArrayBuffer> }[]>(),
    owners: new Map<string, string>(),
  };
  const store = (target: FakeDevice, envelope: Envelope) => {
    log.push({ to: target.id, from: envelope.from });
    target.mailbox.push(envelope);
    if (target.link?.online === true) target.link.deliver(envelope);
  };
  /** An envelope the relay makes itself, under any sender device id it likes. */
  const inject = (to: string, from: string, body: Uint8Array) => {
    const target = devices.get(to);
    if (target === undefined) throw new Error('unknown device');
    store(target, {
      id: `e${String(envelopeId++)}`,
      from,
      msg: Uint8Array.from(sodium.randombytes_buf(16)),
      body: Uint8Array.from(body),
      at: Date.now(),
    });
  };
  const keyLog = createFakeKeyLog();
  const trust = createFakeTrust((account, id) => {
    const device = devices.get(id);
    return device?.account === account ? device.identity : null;
  }, keyLog.logUpload);

  /** `trust-changed` to the account's other connected devices (§2.9). */
  const trustChanged = (account: string, except: FakeDevice | null) => {
    for (const device of devices.values()) {
      if (device.account !== account || device === except || device.link?.online !== true) continue;
      handOffs += 1;
      device.link.handlers.onTrustChanged(account);
    }
  };

  /**
   * A device's link to the relay, for a session signed in with `credential` (the passkey whose
   * sealed account key `fetch-sealed-key` answers with), or with none.
   */
  function transportFor(account: string, credential: string | null = null) {
    return (handlers: ChatTransportHandlers): TestTransport => {
      let state: ConnectionState = 'connecting';
      let own: FakeDevice | null =
        handlers.device === null ? null : (devices.get(handlers.device) ?? null);
      const stateListeners = new Set<(state: ConnectionState) => void>();
      const sendListeners = new Set<(update: SendUpdate) => void>();
      const pending: { to: { device: string; body: Uint8Array }[]; msg: Uint8Array }[] = [];
      const link: FakeLink = {
        handlers,
        online: false,
        deliver(envelope) {
          handOffs += 1;
          void handlers.onEnvelope(envelope).then(() => {
            if (own !== null) own.mailbox = own.mailbox.filter((e) => e.id !== envelope.id);
          });
        },
      };
      const setState = (next: ConnectionState) => {
        state = next;
        handOffs += 1;
        for (const listener of stateListeners) listener(next);
      };
      const requireOwn = (): FakeDevice => {
        if (own === null) throw new DeliveryError('DEVICE_REQUIRED');
        return own;
      };
      const flush = () => {
        const refused: typeof pending = [];
        for (const send of pending.splice(0)) {
          handOffs += 1;
          for (const listener of sendListeners) listener({ msg: send.msg, state: 'sending' });
          // Like the outbox: a transient refusal goes back to `queued` with its code, for a retry.
          const code = faults.sends.shift();
          if (code !== undefined) {
            refused.push(send);
            for (const listener of sendListeners)
              listener({ msg: send.msg, state: 'queued', code });
            continue;
          }
          const from = requireOwn();
          for (const { device, body } of send.to) {
            const target = devices.get(device);
            if (target === undefined) throw new Error('unknown device');
            const envelope: Envelope = {
              id: `e${String(envelopeId++)}`,
              from: from.id,
              msg: Uint8Array.from(send.msg),
              body: Uint8Array.from(body),
              at: Date.now(),
            };
            store(target, envelope);
          }
          // Like the outbox: a send the relay holds leaves the store, then listeners are told.
          void handlers.outbox.delete(send.msg);
          for (const listener of sendListeners) listener({ msg: send.msg, state: 'sent' });
        }
        pending.push(...refused);
      };
      // Like the delivery client: what the outbox store kept from an earlier run is sent again.
      void handlers.outbox.load().then((records) => {
        pending.push(...records.map((record) => ({ to: [...record.to], msg: record.msg })));
        if (link.online) flush();
      });
      const transport = {
        get state() {
          return state;
        },
        subscribe(listener: (state: ConnectionState) => void) {
          stateListeners.add(listener);
          listener(state);
          return () => stateListeners.delete(listener);
        },
        registerDevice(name: string, identity: PrekeyBundle['identity']) {
          if (faults.registrations > 0) {
            faults.registrations -= 1;
            return Promise.reject(new DeliveryError('DISCONNECTED'));
          }
          const id = `${account}-dev${String(nextId++)}`;
          own = {
            id,
            account,
            identity,
            name,
            createdAt: Date.now(),
            signedPrekey: null,
            pqPrekey: null,
            oneTime: [],
            link,
            mailbox: [],
          };
          devices.set(id, own);
          keyLog.logIdentity(account, id, identity);
          return Promise.resolve({ device: id });
        },
        uploadPrekeys(upload: Upload) {
          const device = requireOwn();
          device.signedPrekey = upload.signedPrekey ?? device.signedPrekey;
          device.pqPrekey = upload.pqPrekey ?? device.pqPrekey;
          device.oneTime.push(...upload.oneTimePrekeys);
          return Promise.resolve({ oneTimePrekeys: device.oneTime.length });
        },
        fetchBundles(handle: string) {
          requireOwn();
          const lie = lies.bundles.get(handle.toLowerCase());
          if (lie !== undefined) return Promise.resolve({ bundles: lie });
          const of = [...devices.values()].filter((d) => d.account === handle.toLowerCase());
          if (of.length === 0) return Promise.reject(new DeliveryError('UNKNOWN_ACCOUNT'));
          const bundles = of.flatMap((d) => {
            if (d.signedPrekey === null || d.pqPrekey === null) return [];
            const oneTime = d.oneTime.shift();
            const bundle: PrekeyBundle = {
              identity: d.identity,
              signedPrekey: d.signedPrekey,
              pqPrekey: d.pqPrekey,
              ...(oneTime === undefined ? {} : { oneTimePrekey: oneTime }),
            };
            return [{ device: d.id, bundle: Uint8Array.from(encodePrekeyBundle(bundle)) }];
          });
          return Promise.resolve({ bundles });
        },
        ...fakeDeviceRequests(devices, account, requireOwn),
        ...keyLog.requests(requireOwn),
        lookupDevices(ids: readonly string[]) {
          return Promise.resolve({
            devices: ids.flatMap((id) => {
              const d = devices.get(id);
              const account = lies.owners.get(id) ?? d?.account;
              return account === undefined ? [] : [{ device: id, account, revoked: false }];
            }),
          });
        },
        async send(to: readonly { device: string; body: Uint8Array }[], msg?: Uint8Array) {
          const id = msg ?? sodium.randombytes_buf(16);
          const record = { to: [...to], msg: id, seq: 0, createdAt: 0 };
          await handlers.outbox.save({
            msg: Uint8Array.from(id),
            to: record.to.map((r) => ({ device: r.device, body: Uint8Array.from(r.body) })),
            seq: Date.now(),
            createdAt: 0,
          });
          pending.push({ to: record.to, msg: id });
          if (link.online) flush();
          return id;
        },
        publishTrust(upload: Parameters<ChatTransport['publishTrust']>[0]) {
          const device = requireOwn();
          try {
            trust.publish(account, upload);
          } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
          }
          trustChanged(account, device);
          return Promise.resolve();
        },
        fetchTrust(handle: string) {
          requireOwn();
          const of = [...devices.values()].some((d) => d.account === handle.toLowerCase());
          if (!of) return Promise.reject(new DeliveryError('UNKNOWN_ACCOUNT'));
          return Promise.resolve(trust.fetch(handle.toLowerCase()));
        },
        storeSealedKey(forCredential: string, sealed: Uint8Array) {
          requireOwn();
          if (forCredential !== credential) return Promise.reject(new DeliveryError('FORBIDDEN'));
          trust.storeSealed(account, forCredential, sealed);
          return Promise.resolve();
        },
        fetchSealedKey() {
          requireOwn();
          return Promise.resolve(trust.fetchSealed(account, credential));
        },
        subscribeSends(listener: (update: SendUpdate) => void) {
          sendListeners.add(listener);
          return () => sendListeners.delete(listener);
        },
        close() {
          link.online = false;
        },
        deviceId: () => own?.id ?? '',
        setOnline(on: boolean) {
          link.online = on;
          if (own !== null) own.link = link;
          setState(on ? 'connected' : 'reconnecting');
          if (on) {
            flush();
            for (const envelope of own?.mailbox ?? []) link.deliver(envelope);
          }
        },
      };
      return transport;
    };
  }

  return { devices, faults, trust, keyLog, log, lies, inject, transportFor };
}

export type FakeRelay = ReturnType<typeof createFakeRelay>;
type TestTransport = ChatTransport & { setOnline(on: boolean): void; deviceId(): string };

export interface Person {
  readonly engine: ChatEngine;
  readonly store: SealedStore;
  readonly issues: ChatIssue[];
  /** The device's link to the relay, for tests that send what the app never would. */
  readonly transport: ChatTransport;
  setOnline(on: boolean): void;
  /** This device's id at the relay. */
  device(): string;
}

/** Every engine made here, for `settle`. */
const engines = new Set<ChatEngine>();
/** Envelopes, connection changes and outbox news given to engines, for `settle`. */
let handOffs = 0;

/** Moved forward by tests that need time to pass (disappearing messages). */
export const clock = { offset: 0 };

export interface PersonOptions {
  /**
   * The passkey the device signs in with: by default the account's one (`<handle>-passkey`, so
   * a second device opens the sealed account key), or another one, or none (no PRF).
   */
  readonly passkey?: string | null;
  /** A fresh user verification, for a relay that asks for one. */
  readonly verifyUser?: () => Promise<void>;
  /** For file tests: the blob API, local files and picture decoding. */
  readonly files?: Pick<ChatEngineOptions, 'fetch' | 'files' | 'describePicture' | 'sleep'>;
  /** The log key an invite link pinned for this device. */
  readonly pinnedLogKey?: string;
}

export async function person(
  relay: FakeRelay,
  handle: string,
  store = createMemorySealedStore(),
  options: PersonOptions = {},
) {
  const issues: ChatIssue[] = [];
  const passkeyName = options.passkey === undefined ? `${handle}-passkey` : options.passkey;
  const passkey = passkeyName === null ? null : testPasskey(passkeyName);
  let link: TestTransport | null = null;
  const engine = createChatEngine({
    sodium,
    store,
    handle,
    accountId: `id-${handle}`,
    deviceName: `${handle}'s browser`,
    now: () => Date.now() + clock.offset,
    connect: (handlers) => {
      const made = relay.transportFor(handle, passkey?.credential ?? null)(handlers);
      link = made;
      return made;
    },
    onIssue: (issue) => issues.push(issue),
    accountKeySecret: () => Promise.resolve(passkey),
    ...(options.verifyUser === undefined ? {} : { verifyUser: options.verifyUser }),
    ...options.files,
    ...(options.pinnedLogKey === undefined ? {} : { pinnedLogKey: options.pinnedLogKey }),
  });
  engines.add(engine);
  await engine.start();
  const started = (): TestTransport => {
    if (link === null) throw new Error('not started');
    return link;
  };
  const setOnline = (on: boolean) => {
    started().setOnline(on);
  };
  setOnline(true);
  await settle();
  const device = (): string => started().deviceId();
  return { engine, store, issues, setOnline, transport: started(), device } satisfies Person;
}

/**
 * Waits until every engine is idle: each one's queue empty, and no envelope or outbox news handed
 * to any of them since (what one engine sends gives another work, synchronously here).
 */
export async function settle(): Promise<void> {
  for (;;) {
    const before = handOffs;
    await Promise.all([...engines].map((engine) => engine.whenIdle()));
    if (handOffs === before) return;
  }
}

export async function lastMessage(p: Person, conversation: string) {
  const messages = await p.engine.listMessages(conversation);
  const last = messages.at(-1);
  if (last === undefined) throw new Error('no messages');
  return last;
}
