import type { MyAuditEventsResponse, ProvenAuditEvent } from '@vaultroom/shared';
import {
  formatCheckpoint,
  formatVerifierKey,
  hashLeaf,
  inclusionProof,
  rootHash,
  signNote,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64 } from '@vaultroom/shared';
import { checkEventInclusion, verifyAuditEvents } from './verifyAuditEvents.js';

const ORIGIN = 'vaultroom.test/audit';

/** An event as the relay would send it, with its canonical leaf (version 1 JSON array). */
function makeEvent(seq: number, type: string): Omit<ProvenAuditEvent, 'proof'> {
  const event = {
    seq,
    at: `2026-11-25T16:0${String(seq)}:00.000Z`,
    type,
    outcome: 'success' as const,
    actorAccountId: 'acct-1',
    target: 'acct-1',
    userAgent: 'Chrome on Linux',
    details: { role: 'admin' },
  };
  const leaf = JSON.stringify([
    1,
    event.seq,
    event.at,
    event.type,
    event.outcome,
    event.actorAccountId,
    null,
    event.target,
    'client-tag',
    event.userAgent,
    JSON.stringify(event.details),
  ]);
  return { ...event, leaf: encodeBase64(new TextEncoder().encode(leaf)) };
}

const TYPES = ['user_created', 'authn_passkey_added', 'session_created', 'authn_login_success'];

/** A small log of four events, signed at size 3 (the fourth is newer than the checkpoint). */
function makeLog() {
  const keys = sodium.crypto_sign_keypair();
  const verifierKey = formatVerifierKey(ORIGIN, keys.publicKey);
  const unproven = TYPES.map((type, index) => makeEvent(index + 1, type));
  const leafHashes = unproven.map((event) =>
    hashLeaf(Uint8Array.from(atob(event.leaf), (char) => char.charCodeAt(0))),
  );
  const leafHash = (index: number) => leafHashes[index] ?? new Uint8Array(32);
  const size = 3;
  const note = signNote(
    formatCheckpoint({ origin: ORIGIN, size, rootHash: rootHash(size, leafHash) }),
    { name: ORIGIN, secretKey: keys.privateKey },
    sodium,
  );
  const events: ProvenAuditEvent[] = unproven
    .map((event) => ({
      ...event,
      proof:
        event.seq <= size
          ? inclusionProof(event.seq - 1, size, leafHash).map((hash) => encodeBase64(hash))
          : null,
    }))
    .reverse();
  const page: MyAuditEventsResponse = { events, checkpoint: note, treeSize: size };
  return { page, identity: { origin: ORIGIN, verifierKey }, keys };
}

describe('verifying the account’s own audit events', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('proves every event up to the signed size and marks newer ones as not yet signed', () => {
    const { page, identity } = makeLog();
    const result = verifyAuditEvents(page, identity, sodium);
    expect(result.kind).toBe('signed');
    expect(result.events.map((item) => [item.event.seq, item.state])).toEqual([
      [4, 'pending'],
      [3, 'verified'],
      [2, 'verified'],
      [1, 'verified'],
    ]);
  });

  it('waits when no checkpoint is signed yet', () => {
    const { page, identity } = makeLog();
    const result = verifyAuditEvents(
      {
        events: page.events.map((event) => ({ ...event, proof: null })),
        checkpoint: null,
        treeSize: 0,
      },
      identity,
      sodium,
    );
    expect(result.kind).toBe('unsigned');
    expect(result.events.every((item) => item.state === 'pending')).toBe(true);
  });

  it('fails an event whose leaf was edited', () => {
    const { page, identity } = makeLog();
    const [, second, ...rest] = page.events;
    if (second === undefined) throw new Error('test log too small');
    const forged = makeEvent(second.seq, 'authn_login_fail');
    const tampered = {
      ...page,
      events: [page.events[0], { ...second, ...forged, proof: second.proof }, ...rest],
    };
    const result = verifyAuditEvents(tampered as MyAuditEventsResponse, identity, sodium);
    expect(result.events.map((item) => item.state)).toEqual([
      'pending',
      'failed',
      'verified',
      'verified',
    ]);
  });

  it('fails an event whose displayed fields differ from its proven leaf', () => {
    const { page, identity } = makeLog();
    const event = page.events[1];
    if (event === undefined) throw new Error('test log too small');
    const result = verifyAuditEvents(
      { ...page, events: [{ ...event, type: 'authn_recovery_used' }] },
      identity,
      sodium,
    );
    expect(result.events[0]?.state).toBe('failed');
  });

  it('fails an event whose proof was altered', () => {
    const { page, identity } = makeLog();
    const event = page.events[2];
    if (event === undefined || event.proof === null) throw new Error('test log too small');
    const flipped = [encodeBase64(new Uint8Array(32).fill(7)), ...event.proof.slice(1)];
    const result = verifyAuditEvents(
      { ...page, events: [{ ...event, proof: flipped }] },
      identity,
      sodium,
    );
    expect(result.events[0]?.state).toBe('failed');
  });

  it('fails an event that should be proven but comes without a proof', () => {
    const { page, identity } = makeLog();
    const result = verifyAuditEvents(page, identity, sodium);
    if (result.kind !== 'signed') throw new Error('expected a signed page');
    const event = page.events[3];
    if (event === undefined) throw new Error('test log too small');
    expect(checkEventInclusion({ ...event, proof: null }, result.checkpoint)).toBe('failed');
  });

  it('refuses the whole page when the checkpoint signature does not verify', () => {
    const { page, identity } = makeLog();
    const note = page.checkpoint ?? '';
    // Change the tree size in the signed text: the signature no longer matches.
    const forged = note.replace(/\n3\n/, '\n2\n');
    const result = verifyAuditEvents({ ...page, checkpoint: forged }, identity, sodium);
    expect(result.kind).toBe('invalid');
    expect(result.events.every((item) => item.state === 'failed')).toBe(true);
  });

  it('refuses a checkpoint signed by another key', () => {
    const { page } = makeLog();
    const other = makeLog();
    const result = verifyAuditEvents(page, other.identity, sodium);
    expect(result.kind).toBe('invalid');
  });

  it('refuses a checkpoint for another log origin', () => {
    const { page, identity } = makeLog();
    const result = verifyAuditEvents(page, { ...identity, origin: 'elsewhere' }, sodium);
    expect(result).toMatchObject({ kind: 'invalid', reason: 'CHECKPOINT_ORIGIN_MISMATCH' });
  });

  it('refuses proofs made for another size than the checkpoint’s', () => {
    const { page, identity } = makeLog();
    const result = verifyAuditEvents({ ...page, treeSize: 4 }, identity, sodium);
    expect(result.kind).toBe('invalid');
  });

  it('proves the events a pruned relay still keeps, under a checkpoint that records the pruning', () => {
    // The relay pruned events 1–2: it serves only 3 and 4, with proofs from its kept tree, and
    // its checkpoint carries the `pruned <P> <time>` extension line.
    const keys = sodium.crypto_sign_keypair();
    const verifierKey = formatVerifierKey(ORIGIN, keys.publicKey);
    const all = TYPES.map((type, index) => makeEvent(index + 1, type));
    const leafHashes = all.map((event) =>
      hashLeaf(Uint8Array.from(atob(event.leaf), (char) => char.charCodeAt(0))),
    );
    const leafHash = (index: number) => leafHashes[index] ?? new Uint8Array(32);
    const size = 4;
    const note = signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size,
        rootHash: rootHash(size, leafHash),
        extensions: ['pruned 2 2026-11-25T17:00:00.000Z'],
      }),
      { name: ORIGIN, secretKey: keys.privateKey },
      sodium,
    );
    const kept = all.slice(2).map((event) => ({
      ...event,
      proof: inclusionProof(event.seq - 1, size, leafHash).map((hash) => encodeBase64(hash)),
    }));
    const result = verifyAuditEvents(
      { events: kept, checkpoint: note, treeSize: size },
      { origin: ORIGIN, verifierKey },
      sodium,
    );
    expect(result.kind).toBe('signed');
    expect(result.events.map((item) => item.state)).toEqual(['verified', 'verified']);
  });
});
