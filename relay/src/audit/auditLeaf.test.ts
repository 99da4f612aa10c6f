import { hashLeaf } from '@vaultroom/shared/transparency';
import { describe, expect, it } from 'vitest';
import {
  auditLeafHash,
  auditNodeHash,
  encodeAuditLeaf,
  rawAuditLeafHash,
  type AuditRow,
  type RawAuditRow,
} from './auditLeaf.js';

const row: AuditRow = {
  seq: 42,
  at: '2026-01-01T00:00:00.000Z',
  type: 'authn_login_fail',
  outcome: 'failure',
  actor_account_id: null,
  actor_device_id: 'device-1',
  target: 'acc\u00e8s \ud83d\udd11 "quoted" \\ back',
  client: 'k2Vh3pQ8s0mJx7cZ1bN4aA',
  user_agent: 'Firefox on Linux',
  details: '{"reason":"unknown passkey","lone":"\\ud800"}',
};

describe('audit leaf hashes', () => {
  it('are SHA-256(0x00 || leaf) of the canonical encoding (RFC 9162 §2.1.1)', () => {
    expect(Buffer.from(auditLeafHash(row)).toString('hex')).toBe(
      Buffer.from(hashLeaf(encodeAuditLeaf(row))).toString('hex'),
    );
  });

  it('come out the same from a streamed row as from a row object', () => {
    const raw: RawAuditRow = [
      row.seq,
      row.at,
      row.type,
      row.outcome,
      row.actor_account_id,
      row.actor_device_id,
      row.target,
      row.client,
      row.user_agent,
      row.details,
      Buffer.alloc(32),
    ];
    expect(rawAuditLeafHash(raw).equals(auditLeafHash(row))).toBe(true);
    expect(
      rawAuditLeafHash([...raw.slice(0, 9), '{}', raw[10]] as unknown as RawAuditRow),
    ).not.toEqual(auditLeafHash(row));
  });

  it('refuse a stored node hash that is not 32 bytes', () => {
    expect(() => auditNodeHash(new Uint8Array(31), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'AUDIT_HASH_INVALID' }),
    );
    expect(auditNodeHash(new Uint8Array(32), new Uint8Array(32))).toHaveLength(32);
  });
});
