import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../encoding/base64.js';
import { decodeAuditLeaf, encodeAuditLeaf } from './auditLeaf.js';
import { Frontier } from './Frontier.js';
import { hashLeaf } from './hashLeaf.js';
import { KEY_ENTRY_TYPE, keyEntryDetails, makeKeyEntry, readKeyEntry } from './keyEntry.js';
import { scanLogLeaves } from './scanLogLeaves.js';
import { TransparencyError } from './TransparencyError.js';

const certificate = Uint8Array.from({ length: 203 }, (_, i) => i);

function leaf(seq: number, type: string, details: string): Uint8Array {
  return encodeAuditLeaf([
    seq,
    '2026-06-01T00:00:00.000Z',
    type,
    'success',
    'a',
    null,
    'a',
    null,
    null,
    details,
  ]);
}

const entry = makeKeyEntry({
  kind: 'device-certificate',
  account: 'ada',
  device: 'dev-1',
  key: new Uint8Array(32).fill(1),
  object: certificate,
});

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof TransparencyError) return error.code;
    throw error;
  }
  return undefined;
};

describe('key entries (PROTOCOL.md §3.8)', () => {
  it('reads back what was written, and nothing from another event type', () => {
    const written = leaf(1, KEY_ENTRY_TYPE, JSON.stringify(keyEntryDetails(entry)));
    expect(readKeyEntry(decodeAuditLeaf(written))).toEqual(entry);
    expect(readKeyEntry(decodeAuditLeaf(leaf(1, 'device_added', '{}')))).toBeNull();
  });

  it('refuses an entry whose object is not what its hash commits to, or that lacks a field', () => {
    const swapped = { ...keyEntryDetails(entry), object: encodeBase64(new Uint8Array(8)) };
    expect(
      codeOf(() => readKeyEntry(decodeAuditLeaf(leaf(1, KEY_ENTRY_TYPE, JSON.stringify(swapped))))),
    ).toBe('LEAF_MALFORMED');
    const partial: Record<string, string | null> = { ...keyEntryDetails(entry) };
    delete partial['keyHash'];
    expect(
      codeOf(() => readKeyEntry(decodeAuditLeaf(leaf(1, KEY_ENTRY_TYPE, JSON.stringify(partial))))),
    ).toBe('LEAF_MALFORMED');
  });

  it('finds the entries among leaves whose hashes rebuild the signed root, and refuses others', () => {
    const leaves = [
      leaf(1, 'device_added', '{}'),
      leaf(2, KEY_ENTRY_TYPE, JSON.stringify(keyEntryDetails(entry))),
      leaf(3, 'authn_login_success', '{}'),
    ];
    const signed = Frontier.empty();
    for (const each of leaves) signed.append(hashLeaf(each));
    const checkpoint = { size: 3, rootHash: signed.root() };
    expect(scanLogLeaves(Frontier.empty(), leaves, checkpoint)).toEqual([entry]);
    // The relay serves another second leaf than the one it signed (an entry hidden from a monitor).
    const hidden = [
      leaves[0] ?? new Uint8Array(),
      leaf(2, 'device_added', '{}'),
      leaves[2] ?? new Uint8Array(),
    ];
    expect(codeOf(() => scanLogLeaves(Frontier.empty(), hidden, checkpoint))).toBe(
      'INCLUSION_PROOF_INVALID',
    );
    expect(
      codeOf(() => scanLogLeaves(Frontier.empty(), [leaves[1] ?? new Uint8Array()], checkpoint)),
    ).toBe('LEAF_MALFORMED');
  });
});
