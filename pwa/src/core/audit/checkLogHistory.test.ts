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
import { encodeBase64 } from '@vaultroom/shared';

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
    return Promise.resolve({
      proof: consistencyProof(from, to, leaves(fork)).map((hash) => encodeBase64(hash)),
    });
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
      fetchConsistency: () => Promise.resolve({ proof: ['not base64!'] }),
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

/** A consistency proof from one size to another as base64, over the honest log (or the forked). */
const proofOf = (from: number, to: number, fork = false) =>
  consistencyProof(from, to, leaves(fork)).map((hash) => encodeBase64(hash));

/**
 * The relay's answer from a size below its pruned size: the kept proofs to each pruned size, then
 * the proof from the last one to the current size. `sizes` are the pruned sizes in order.
 */
function acrossPrunings(sizes: readonly number[], fork = false) {
  return (from: number, to: number) => {
    let previous = from;
    const links = sizes.map((size) => {
      const link = {
        size,
        rootHash: encodeBase64(rootHash(size, leaves(fork))),
        proof: proofOf(previous, size, fork),
      };
      previous = size;
      return link;
    });
    return Promise.resolve({ links, proof: proofOf(previous, to, fork) });
  };
}

describe('remembering a checkpoint older than the relay’s pruned history', () => {
  it('accepts a grown tree through the proof kept at one pruning', async () => {
    const history = await checkLogHistory({
      remembered: remembered(5),
      current: checkpointAt(40),
      verifierKey: KEY,
      fetchConsistency: acrossPrunings([16]),
    });
    expect(history).toEqual({ kind: 'extended', from: 5 });
  });

  it('accepts a grown tree through the proofs kept at several prunings', async () => {
    const history = await checkLogHistory({
      remembered: remembered(3),
      current: checkpointAt(40),
      verifierKey: KEY,
      fetchConsistency: acrossPrunings([13, 16, 37]),
    });
    expect(history).toEqual({ kind: 'extended', from: 3 });
  });

  it('accepts a current tree that is exactly the pruned size', async () => {
    const history = await checkLogHistory({
      remembered: remembered(9),
      current: checkpointAt(16),
      verifierKey: KEY,
      fetchConsistency: acrossPrunings([16]),
    });
    expect(history).toEqual({ kind: 'extended', from: 9 });
  });

  it('reports a log whose pruned history was rewritten as a fork', async () => {
    // The device saw the honest first 5 events; the relay pruned a history where event 2 differs.
    const history = await checkLogHistory({
      remembered: remembered(5),
      current: checkpointAt(40, true),
      verifierKey: KEY,
      fetchConsistency: acrossPrunings([16], true),
    });
    expect(history.kind).toBe('forked');
  });

  it('reports a made-up root at the pruned size as a fork', async () => {
    const honest = acrossPrunings([16]);
    const history = await checkLogHistory({
      remembered: remembered(5),
      current: checkpointAt(40),
      verifierKey: KEY,
      fetchConsistency: async (from, to) => {
        const answer = await honest(from, to);
        const [link] = answer.links;
        if (link === undefined) throw new Error('expected a link');
        return { ...answer, links: [{ ...link, rootHash: encodeBase64(new Uint8Array(32)) }] };
      },
    });
    expect(history.kind).toBe('forked');
  });

  it('reports links that skip past the current size, or are garbled, as a fork', async () => {
    for (const links of [
      [{ size: 41, rootHash: encodeBase64(rootHash(41, leaves())), proof: proofOf(5, 41) }],
      [{ size: 16, rootHash: 'not base64!', proof: proofOf(5, 16) }],
      [{ size: 16, rootHash: encodeBase64(rootHash(16, leaves())), proof: ['AA=='] }],
    ]) {
      const history = await checkLogHistory({
        remembered: remembered(5),
        current: checkpointAt(40),
        verifierKey: KEY,
        fetchConsistency: () => Promise.resolve({ links, proof: proofOf(16, 40) }),
      });
      expect(history.kind).toBe('forked');
    }
  });
});
