import {
  consistencyProof,
  formatCheckpoint,
  formatVerifierKey,
  hashChildren,
  inclusionProof,
  signNote,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLeafHash, encodeAuditLeaf, type AuditRow } from './auditLeaf.js';

/*
 * The worked example of PROTOCOL.md §3.7, byte for byte: if the leaf layout, the tree or the
 * checkpoint format changes, this fails, and the spec's example must change with it.
 */

const rows: readonly AuditRow[] = [
  {
    seq: 1,
    at: '2026-01-01T00:00:00.000Z',
    type: 'relay_started',
    outcome: 'success',
    actor_account_id: null,
    actor_device_id: null,
    target: null,
    client: null,
    user_agent: null,
    details: '{"version":"0.1.0"}',
  },
  {
    seq: 2,
    at: '2026-01-01T00:00:05.250Z',
    type: 'authn_login_fail',
    outcome: 'failure',
    actor_account_id: null,
    actor_device_id: null,
    target: null,
    client: 'k2Vh3pQ8s0mJx7cZ1bN4aA',
    user_agent: 'Firefox on Linux',
    details: '{"reason":"unknown passkey"}',
  },
];

const ORIGIN = 'vaultroom.local/vaultroom-audit/0123456789ab';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

beforeAll(async () => {
  await sodium.ready;
});

/** The two leaf hashes, in order. */
function leafHashes(): [Uint8Array, Uint8Array] {
  const [first, second] = rows.map(auditLeafHash);
  if (first === undefined || second === undefined) throw new Error('two rows expected');
  return [first, second];
}

describe('the worked example of the audit log spec', () => {
  it('has the leaves, hashes, root and proofs PROTOCOL.md §3.7 shows', () => {
    const [first, second] = rows.map(encodeAuditLeaf);
    expect(Buffer.from(first ?? []).toString('utf8')).toBe(
      '[1,1,"2026-01-01T00:00:00.000Z","relay_started","success",null,null,null,null,null,"{\\"version\\":\\"0.1.0\\"}"]',
    );
    expect(Buffer.from(second ?? []).toString('utf8')).toBe(
      '[1,2,"2026-01-01T00:00:05.250Z","authn_login_fail","failure",null,null,null,"k2Vh3pQ8s0mJx7cZ1bN4aA","Firefox on Linux","{\\"reason\\":\\"unknown passkey\\"}"]',
    );
    expect(first).toHaveLength(109);
    expect(second).toHaveLength(155);
    const leaves = leafHashes();
    expect(leaves.map(hex)).toEqual([
      '1abd9096ce964ef495618bc9cf745996f717d0f68f634c08aaaf7e9e1a9cbe85',
      'fab12c5b3bbb00317049693bc2a5264f609112fa90cb09b6d245860b053d7d92',
    ]);
    const root = hashChildren(...leaves);
    expect(hex(root)).toBe('06f1c73cc4b5a1b8a7766659df23b6485b202e10f7c13ca21a69d55b6a0c0329');
    expect(Buffer.from(root).toString('base64')).toBe(
      'BvHHPMS1obindmZZ3yO2SFsgLhD3wTyiGmnVW2oMAyk=',
    );
    const leafHash = (index: number) => leaves[index] ?? new Uint8Array(0);
    expect(inclusionProof(0, 2, leafHash)).toEqual([leaves[1]]);
    expect(inclusionProof(1, 2, leafHash)).toEqual([leaves[0]]);
    expect(consistencyProof(1, 2, leafHash)).toEqual([leaves[1]]);
  });

  it('signs the checkpoint PROTOCOL.md §3.7 shows', () => {
    const { privateKey, publicKey } = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
    expect(formatVerifierKey(ORIGIN, publicKey)).toBe(
      `${ORIGIN}+3f5523c6+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs`,
    );
    const note = signNote(
      formatCheckpoint({ origin: ORIGIN, size: 2, rootHash: hashChildren(...leafHashes()) }),
      { name: ORIGIN, secretKey: privateKey },
      sodium,
    );
    expect(note).toBe(
      `${ORIGIN}\n2\nBvHHPMS1obindmZZ3yO2SFsgLhD3wTyiGmnVW2oMAyk=\n\n` +
        `\u2014 ${ORIGIN} P1Ujxh0H1Bo90Hndfujjtd4uI+KujPXKRtmKmhWUVU3bDgm110Gy28ez2t7QLcCgzCG3UrccQZEqtEAZvMGFTEs4QQ4=\n`,
    );
  });
});
