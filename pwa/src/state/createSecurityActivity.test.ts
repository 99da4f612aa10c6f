import type { MyAuditEventsResponse } from '@vaultroom/shared';
import {
  formatCheckpoint,
  formatVerifierKey,
  hashLeaf,
  inclusionProof,
  rootHash,
  signNote,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { createRoot } from 'solid-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64 } from '@vaultroom/shared';
import type { AuditClient } from '../core/ports.js';
import { createSecurityActivity } from './createSecurityActivity.js';

const ORIGIN = 'vaultroom.test/audit';

/** A relay whose log holds `size` events of this account, all signed. */
function relayWithLog(size: number, keys: { publicKey: Uint8Array; privateKey: Uint8Array }) {
  const leaves = Array.from({ length: size }, (_, index) =>
    new TextEncoder().encode(
      JSON.stringify([
        1,
        index + 1,
        '2026-11-25T16:00:00.000Z',
        'authn_login_success',
        'success',
        'acct',
        null,
        'acct',
        null,
        null,
        '{}',
      ]),
    ),
  );
  const leafHash = (index: number) => hashLeaf(leaves[index] ?? new Uint8Array());
  const note = signNote(
    formatCheckpoint({ origin: ORIGIN, size, rootHash: rootHash(size, leafHash) }),
    { name: ORIGIN, secretKey: keys.privateKey },
    sodium,
  );
  const page: MyAuditEventsResponse = {
    checkpoint: note,
    treeSize: size,
    events: leaves
      .map((leaf, index) => ({
        seq: index + 1,
        at: '2026-11-25T16:00:00.000Z',
        type: 'authn_login_success',
        outcome: 'success' as const,
        actorAccountId: 'acct',
        target: 'acct',
        userAgent: null,
        details: {},
        leaf: encodeBase64(leaf),
        proof: inclusionProof(index, size, leafHash).map((hash) => encodeBase64(hash)),
      }))
      .reverse(),
  };
  const client = {
    checkpoint: () =>
      Promise.resolve({
        checkpoint: note,
        origin: ORIGIN,
        verifierKey: formatVerifierKey(ORIGIN, keys.publicKey),
      }),
    mine: () => Promise.resolve(page),
    consistency: () => Promise.reject(new Error('not needed')),
    events: () => Promise.reject(new Error('not needed')),
  } satisfies AuditClient;
  return client;
}

function memory() {
  let value: string | null = null;
  return {
    read: () => value,
    write: (next: string) => {
      value = next;
    },
  };
}

async function visit(client: AuditClient, storage: ReturnType<typeof memory>) {
  const activity = createRoot(() =>
    createSecurityActivity(
      { client, storage, loadSodium: () => Promise.resolve(sodium), now: () => new Date() },
      (error) => error,
    ),
  );
  await activity.reload();
  return activity;
}

describe('the security activity of a visit', () => {
  let keys: { publicKey: Uint8Array; privateKey: Uint8Array };
  beforeAll(async () => {
    await sodium.ready;
    keys = sodium.crypto_sign_keypair();
  });

  it('verifies every event and remembers the checkpoint on the first visit', async () => {
    const storage = memory();
    const activity = await visit(relayWithLog(5, keys), storage);
    expect(activity.status()).toBe('ready');
    expect(activity.events().map((item) => item.state)).toEqual(Array(5).fill('verified'));
    expect(activity.history()).toEqual({ kind: 'consistent' });
    expect(JSON.parse(storage.read() ?? '{}')).toMatchObject({ size: 5 });
  });

  it('reports a rolled-back log and keeps what this device saw', async () => {
    const storage = memory();
    await visit(relayWithLog(5, keys), storage);
    const seen = storage.read();
    const activity = await visit(relayWithLog(3, keys), storage);
    expect(activity.history()).toMatchObject({
      kind: 'changed',
      problem: { kind: 'rolled-back', remembered: { size: 5 } },
    });
    expect(storage.read()).toBe(seen);
  });

  it('reports a log signed by another key and keeps what this device saw', async () => {
    const storage = memory();
    await visit(relayWithLog(5, keys), storage);
    const seen = storage.read();
    const activity = await visit(relayWithLog(5, sodium.crypto_sign_keypair()), storage);
    expect(activity.history()).toMatchObject({ kind: 'changed', problem: { kind: 'key-changed' } });
    expect(storage.read()).toBe(seen);
  });
});
