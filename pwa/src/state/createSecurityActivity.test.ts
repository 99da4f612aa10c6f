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
import type { CheckpointComparison } from '../core/chat/createChatEngine.js';
import type { AuditClient } from '../core/ports.js';
import { createSecurityActivity, type CompareCheckpoint } from './createSecurityActivity.js';

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

/** The chat's comparison, answering `result` and recording the notes it was given. */
function comparing(result: CheckpointComparison | Error) {
  const notes: string[] = [];
  const compare = (note: string) => {
    notes.push(note);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  };
  return { notes, compare };
}

async function visit(client: AuditClient, compare: CompareCheckpoint) {
  const activity = createRoot(() =>
    createSecurityActivity(
      { client, loadSodium: () => Promise.resolve(sodium) },
      compare,
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

  it('verifies every event and has the chat compare the signed checkpoint with its own', async () => {
    const chat = comparing({ kind: 'consistent' });
    const client = relayWithLog(5, keys);
    const activity = await visit(client, chat.compare);
    expect(activity.status()).toBe('ready');
    expect(activity.events().map((item) => item.state)).toEqual(Array(5).fill('verified'));
    expect(activity.history()).toEqual({ kind: 'consistent' });
    expect(chat.notes).toEqual([(await client.mine()).checkpoint]);
  });

  it('shows what the chat found when the relay’s log is not the one it trusts', async () => {
    const chat = comparing({ kind: 'warning', warning: 'shrunk' });
    const activity = await visit(relayWithLog(3, keys), chat.compare);
    expect(activity.history()).toEqual({ kind: 'changed', warning: 'shrunk' });
  });

  it('says it could not compare while the chat is not open', async () => {
    const chat = comparing(new Error('the chat is not open'));
    const activity = await visit(relayWithLog(3, keys), chat.compare);
    expect(activity.history()).toEqual({ kind: 'error' });
    expect(activity.events()).toHaveLength(3);
  });
});
