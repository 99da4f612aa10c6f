import {
  consistencyProof,
  hashLeaf,
  rootHash,
  type Checkpoint,
} from '@vaultroom/shared/transparency';
import { describe, expect, it } from 'vitest';
import {
  checkLogHistory,
  historyIsConsistent,
  parseRememberedCheckpoint,
  rememberCheckpoint,
  type RememberedCheckpoint,
} from './checkLogHistory.js';
import { encodeBase64 } from './decodeBase64.js';

const KEY = 'vaultroom.test+01020304+AQ';
const NOW = new Date('2026-11-25T16:00:00Z');

/** Leaf hashes of a log whose entries are "event 0", "event 1"…; `fork` changes entry 2. */
function leaves(fork = false) {
  return (index: number) =>
    hashLeaf(new TextEncoder().encode(fork && index === 2 ? 'forged' : `event ${index}`));
}

function checkpointAt(size: number, fork = false): Checkpoint {
  return { origin: 'vaultroom.test', size, rootHash: rootHash(size, leaves(fork)), extensions: [] };
}

/** The relay's consistency endpoint over the honest log (or the forked one). */
function consistency(fork = false) {
  const calls: [number, number][] = [];
  const fetch = (from: number, to: number) => {
    calls.push([from, to]);
    return Promise.resolve(
      consistencyProof(from, to, leaves(fork)).map((hash) => encodeBase64(hash)),
    );
  };
  return { fetch, calls };
}

const remembered = (size: number): RememberedCheckpoint =>
  rememberCheckpoint(checkpointAt(size), KEY, NOW);

describe('remembering the relay’s log between visits', () => {
  it('trusts the first checkpoint it sees', async () => {
    const { fetch, calls } = consistency();
    const history = await checkLogHistory({
      remembered: null,
      current: checkpointAt(5),
      verifierKey: KEY,
      fetchConsistency: fetch,
    });
    expect(history).toEqual({ kind: 'first-use' });
    expect(historyIsConsistent(history)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('accepts the same tree again without asking for a proof', async () => {
    const { fetch, calls } = consistency();
    const history = await checkLogHistory({
      remembered: remembered(5),
      current: checkpointAt(5),
      verifierKey: KEY,
      fetchConsistency: fetch,
    });
    expect(history).toEqual({ kind: 'unchanged' });
    expect(calls).toEqual([]);
  });

  it('accepts a grown tree with a valid consistency proof', async () => {
    const { fetch, calls } = consistency();
    const history = await checkLogHistory({
      remembered: remembered(3),
      current: checkpointAt(7),
      verifierKey: KEY,
      fetchConsistency: fetch,
    });
    expect(history).toEqual({ kind: 'extended', from: 3 });
    expect(historyIsConsistent(history)).toBe(true);
    expect(calls).toEqual([[3, 7]]);
  });

  it('reports a smaller tree as rolled back', async () => {
    const history = await checkLogHistory({
      remembered: remembered(7),
      current: checkpointAt(4),
      verifierKey: KEY,
      fetchConsistency: consistency().fetch,
    });
    expect(history).toMatchObject({ kind: 'rolled-back', remembered: { size: 7 } });
    expect(historyIsConsistent(history)).toBe(false);
  });

  it('reports another root at the same size as a fork', async () => {
    const history = await checkLogHistory({
      remembered: remembered(5),
      current: checkpointAt(5, true),
      verifierKey: KEY,
      fetchConsistency: consistency().fetch,
    });
    expect(history.kind).toBe('forked');
  });

  it('reports a grown tree that rewrote an old entry as a fork', async () => {
    const history = await checkLogHistory({
      remembered: remembered(4),
      current: checkpointAt(8, true),
      verifierKey: KEY,
      fetchConsistency: consistency(true).fetch,
    });
    expect(history.kind).toBe('forked');
    expect(historyIsConsistent(history)).toBe(false);
  });

  it('reports a garbled proof as a fork', async () => {
    const history = await checkLogHistory({
      remembered: remembered(4),
      current: checkpointAt(8),
      verifierKey: KEY,
      fetchConsistency: () => Promise.resolve(['not base64!']),
    });
    expect(history.kind).toBe('forked');
  });

  it('reports a new signing key, even for a grown tree', async () => {
    const { fetch, calls } = consistency();
    const history = await checkLogHistory({
      remembered: remembered(3),
      current: checkpointAt(7),
      verifierKey: 'vaultroom.test+0a0b0c0d+AQ',
      fetchConsistency: fetch,
    });
    expect(history).toMatchObject({
      kind: 'key-changed',
      remembered: { seenAt: NOW.toISOString() },
    });
    expect(calls).toEqual([]);
  });

  it('reads back what it stored, and treats anything malformed as nothing remembered', () => {
    const stored = remembered(6);
    expect(parseRememberedCheckpoint(JSON.stringify(stored))).toEqual(stored);
    expect(parseRememberedCheckpoint(null)).toBeNull();
    expect(parseRememberedCheckpoint('{')).toBeNull();
    expect(parseRememberedCheckpoint(JSON.stringify({ ...stored, size: 0 }))).toBeNull();
    expect(parseRememberedCheckpoint(JSON.stringify({ ...stored, rootHash: 'AA==' }))).toBeNull();
  });
});
