/**
 * Test support: the audit log of the in-memory relay as key transparency sees it (PROTOCOL.md
 * §2.11, §3.8): key entries for what the relay stores, checkpoints signed on demand, proofs,
 * leaves. `lies`, for tests, makes it answer as a dishonest relay would. Imported only by tests.
 */
import { encodeBase64 } from '@vaultroom/shared';
import type { AccountTrust, KeyProofs, LogLeaves, TrustUpload } from '@vaultroom/shared/client';
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

export function createFakeKeyLog() {
  const leaves: Uint8Array[] = [];
  const hashes: Uint8Array[] = [];
  /** The seq of the entry that logged each object, by its hash (base64). */
  const logged = new Map<string, number>();
  const signer = sodium.crypto_sign_keypair();
  const verifierKey = formatVerifierKey(ORIGIN, signer.publicKey);
  /**
   * `unlogged`: store what is published without logging it (a relay hiding keys from their
   * owner's monitoring); `badProofs`: flip a bit of every inclusion proof served.
   */
  const lies = { unlogged: false, badProofs: false };
  const leafHash = (index: number): Uint8Array => {
    const hash = hashes[index];
    if (hash === undefined) throw new Error(`no leaf ${String(index)}`);
    return hash;
  };

  function append(
    account: string,
    kind: KeyEntryKind,
    device: string | null,
    key: Uint8Array,
    object: Uint8Array | null,
  ): void {
    if (lies.unlogged) return;
    const seq = leaves.length + 1;
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
    leaves.push(leaf);
    hashes.push(hashLeaf(leaf));
    if (entry.objectHash !== null) logged.set(entry.objectHash, seq);
  }

  const checkpoint = (): string =>
    signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size: leaves.length,
        rootHash: rootHash(leaves.length, leafHash),
      }),
      { name: ORIGIN, secretKey: signer.privateKey },
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
    proveKeys(objects: readonly Uint8Array[], from: number): KeyProofs {
      const size = leaves.length;
      const entries = objects.flatMap((hash) => {
        const seq = logged.get(encodeBase64(hash));
        const leaf = seq === undefined ? undefined : leaves[seq - 1];
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
      return { checkpoint: checkpoint(), verifierKey, entries, consistency: { links: [], proof } };
    },
    /** The transport's key-transparency requests, answered from this log. */
    requests(requireDevice: () => unknown) {
      return {
        proveKeys: (objects: readonly Uint8Array[], from: number) => {
          requireDevice();
          return Promise.resolve(this.proveKeys(objects, from));
        },
        fetchLog: (from: number, limit: number) => {
          requireDevice();
          return Promise.resolve(this.fetchLog(from, limit));
        },
      };
    },
    fetchLog(from: number, limit: number): LogLeaves {
      const edge = Frontier.empty();
      for (const hash of hashes.slice(0, from)) edge.append(hash);
      return {
        checkpoint: checkpoint(),
        edge: edge.hashes().map((h) => Uint8Array.from(h)),
        leaves: leaves.slice(from, from + limit).map((leaf) => Uint8Array.from(leaf)),
      };
    },
  };
}

export type FakeKeyLog = ReturnType<typeof createFakeKeyLog>;
