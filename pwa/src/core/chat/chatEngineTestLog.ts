/**
 * Test support: the audit log of the in-memory relay as key transparency sees it (PROTOCOL.md
 * §2.11, §3.8): key entries for what the relay stores, checkpoints signed on demand, proofs,
 * leaves. `lies`, for tests, makes it answer as a dishonest relay would. Imported only by tests.
 */
import { encodeBase64 } from '@vaultroom/shared';
import {
  DeliveryError,
  type AccountTrust,
  type KeyProofs,
  type LogLeaves,
  type TrustUpload,
} from '@vaultroom/shared/client';
import { verifyDeviceCertificate, type PublicIdentity } from '@vaultroom/shared/crypto';
import {
  consistencyProof,
  encodeAuditLeaf,
  formatCheckpoint,
  formatVerifierKey,
  Frontier,
  hashLeaf,
  inclusionProof,
  KEY_ENTRY_TYPE,
  keyEntryDetails,
  keyEntryHash,
  makeKeyEntry,
  rootHash,
  signNote,
  type KeyEntryKind,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';

const ORIGIN = 'relay.test/log';

/** One log as some devices see it: its leaves and their hashes, and the key signing it. */
interface LogView {
  readonly leaves: Uint8Array[];
  readonly hashes: Uint8Array[];
  readonly signer?: { readonly publicKey: Uint8Array; readonly privateKey: Uint8Array };
}

export function createFakeKeyLog() {
  const main: LogView = { leaves: [], hashes: [] };
  const { leaves } = main;
  /**
   * Accounts shown a log of their own (a relay keeping one log per user): a copy of the log as
   * it was when forked, which grows only by `forge`.
   */
  const forks = new Map<string, LogView>();
  const viewOf = (account: string | null): LogView =>
    (account === null ? undefined : forks.get(account)) ?? main;
  /** The seq of the entry that logged each object, by its hash (base64). */
  const logged = new Map<string, number>();
  const signer = sodium.crypto_sign_keypair();
  const verifierKey = formatVerifierKey(ORIGIN, signer.publicKey);
  const verifierKeyOf = (view: LogView) =>
    view.signer === undefined ? verifierKey : formatVerifierKey(ORIGIN, view.signer.publicKey);
  /**
   * `unlogged`: store what is published without logging it (a relay hiding keys from their
   * owner's monitoring); `badProofs`: flip a bit of every inclusion proof served.
   */
  const lies = { unlogged: false, badProofs: false };
  const hashGetter =
    (view: LogView) =>
    (index: number): Uint8Array => {
      const hash = view.hashes[index];
      if (hash === undefined) throw new Error(`no leaf ${String(index)}`);
      return hash;
    };

  function append(
    account: string,
    kind: KeyEntryKind,
    device: string | null,
    key: Uint8Array,
    object: Uint8Array | null,
    view: LogView = main,
  ): void {
    if (lies.unlogged) return;
    const seq = view.leaves.length + 1;
    const entry = makeKeyEntry({ kind, account, device, key, object });
    const leaf = encodeAuditLeaf([
      seq,
      new Date().toISOString(),
      KEY_ENTRY_TYPE,
      'success',
      `id-${account}`,
      device,
      `id-${account}`,
      null,
      null,
      JSON.stringify(keyEntryDetails(entry)),
    ]);
    view.leaves.push(leaf);
    view.hashes.push(hashLeaf(leaf));
    if (entry.objectHash !== null && view === main) logged.set(entry.objectHash, seq);
  }

  const checkpoint = (view: LogView = main): string =>
    signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size: view.leaves.length,
        rootHash: rootHash(view.leaves.length, hashGetter(view)),
      }),
      { name: ORIGIN, secretKey: (view.signer ?? signer).privateKey },
      sodium,
    );

  /** An accepted publication: what is new in it is logged, as the relay does (§3.8). */
  function logUpload(
    account: string,
    upload: TrustUpload,
    certificates: readonly {
      deviceId: string;
      signingPublicKey: Uint8Array;
      bytes: Uint8Array;
    }[],
  ) {
    const isLogged = (bytes: Uint8Array) => logged.has(encodeBase64(keyEntryHash(bytes)));
    if (!isLogged(upload.accountKey)) {
      append(account, 'account-key', null, upload.accountKey, upload.accountKey);
    }
    for (const certificate of certificates) {
      if (isLogged(certificate.bytes)) continue;
      append(
        account,
        'device-certificate',
        certificate.deviceId,
        certificate.signingPublicKey,
        certificate.bytes,
      );
    }
    append(account, 'device-list', null, upload.accountKey, upload.list);
  }

  return {
    lies,
    leaves,
    verifierKey,
    /**
     * From now on `account`'s devices see a copy of the log as it is now, less its last `drop`
     * leaves (see `forge`).
     */
    fork(account: string, drop = 0) {
      const size = main.leaves.length - drop;
      forks.set(account, {
        leaves: main.leaves.slice(0, size),
        hashes: main.hashes.slice(0, size),
      });
    },
    /**
     * From now on `account`'s devices see the same leaves as everyone, signed with a key of the
     * relay's making (which a device with no trusted checkpoint takes on first use).
     */
    signApart(account: string) {
      forks.set(account, {
        leaves: main.leaves,
        hashes: main.hashes,
        signer: sodium.crypto_sign_keypair(),
      });
    },
    /** The newest checkpoint of the log `account`'s devices see. */
    note: (account: string | null = null) => checkpoint(viewOf(account)),
    /**
     * Appends an entry nobody made (a device for `mallory`) to the log `account`'s devices see,
     * or with null to the log everyone else sees.
     */
    forge(account: string | null) {
      const key = sodium.crypto_sign_keypair().publicKey;
      const object = new Uint8Array(64);
      object.set(key, 0);
      append('mallory', 'device-identity', 'mallory-dev', key, object, viewOf(account));
    },
    logIdentity(account: string, device: string, identity: PublicIdentity) {
      const object = new Uint8Array(64);
      object.set(identity.signingPublicKey, 0);
      object.set(identity.dhPublicKey, 32);
      append(account, 'device-identity', device, identity.signingPublicKey, object);
    },
    logUpload,
    /**
     * Logs trust objects the relay serves as a lie, as it must for a client to accept them
     * (§1.15.6 rule 7): the account's own devices then see them when monitoring (§3.9).
     */
    logServed(account: string, served: AccountTrust) {
      if (served.accountKey === null || served.list === null) throw new Error('nothing to log');
      const key = served.accountKey;
      const certificates = served.certificates.map((bytes) =>
        verifyDeviceCertificate(sodium, key, bytes),
      );
      logUpload(
        account,
        { accountKey: key, list: served.list, certificates: [], replaceAccountKey: false },
        certificates,
      );
    },
    proveKeys(
      objects: readonly Uint8Array[],
      from: number,
      account: string | null = null,
    ): KeyProofs {
      const view = viewOf(account);
      const size = view.leaves.length;
      const leafHash = hashGetter(view);
      if (from > size) throw new DeliveryError('LOG_UNAVAILABLE');
      const entries = objects.flatMap((hash) => {
        const seq = logged.get(encodeBase64(hash));
        const leaf = seq === undefined ? undefined : view.leaves[seq - 1];
        if (seq === undefined || leaf === undefined) return [];
        const proof = inclusionProof(seq - 1, size, leafHash).map((h) => Uint8Array.from(h));
        const first = proof[0];
        if (lies.badProofs && first !== undefined) first[0] = (first[0] ?? 0) ^ 1;
        return [{ seq, leaf: Uint8Array.from(leaf), proof }];
      });
      const proof =
        from === 0 || from >= size
          ? []
          : consistencyProof(from, size, leafHash).map((h) => Uint8Array.from(h));
      return {
        checkpoint: checkpoint(view),
        verifierKey: verifierKeyOf(view),
        entries,
        consistency: { links: [], proof },
      };
    },
    /** The transport's key-transparency requests, answered from the log its account sees. */
    requests(requireDevice: () => { readonly account: string }) {
      return {
        proveKeys: (objects: readonly Uint8Array[], from: number) => {
          const { account } = requireDevice();
          try {
            return Promise.resolve(this.proveKeys(objects, from, account));
          } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
        fetchLog: (from: number, limit: number) => {
          const { account } = requireDevice();
          try {
            return Promise.resolve(this.fetchLog(from, limit, account));
          } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      };
    },
    fetchLog(from: number, limit: number, account: string | null = null): LogLeaves {
      const view = viewOf(account);
      if (from > view.leaves.length) throw new DeliveryError('LOG_UNAVAILABLE');
      const edge = Frontier.empty();
      for (const hash of view.hashes.slice(0, from)) edge.append(hash);
      return {
        checkpoint: checkpoint(view),
        edge: edge.hashes().map((h) => Uint8Array.from(h)),
        leaves: view.leaves.slice(from, from + limit).map((leaf) => Uint8Array.from(leaf)),
      };
    },
  };
}

export type FakeKeyLog = ReturnType<typeof createFakeKeyLog>;
