import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAuditLeaf, encodeAuditLeaf, type AuditLeafFields } from './auditLeaf.js';
import { TransparencyError } from './TransparencyError.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

const fields: AuditLeafFields = [
  7,
  '2026-01-02T03:04:05.000Z',
  'authn_login_success',
  'success',
  'acc1',
  null,
  'bob',
  null,
  'Firefox on Linux',
  '{"passkey":"Laptop"}',
];

const refusal = (leaf: Uint8Array) => {
  try {
    decodeAuditLeaf(leaf);
  } catch (error) {
    return error instanceof TransparencyError ? error.code : 'other';
  }
  return 'accepted';
};

describe('the audit leaf', () => {
  it('is the UTF-8 JSON array of version 1 and the fields in order', () => {
    expect(new TextDecoder().decode(encodeAuditLeaf(fields))).toBe(
      '[1,7,"2026-01-02T03:04:05.000Z","authn_login_success","success","acc1",null,"bob",null,"Firefox on Linux","{\\"passkey\\":\\"Laptop\\"}"]',
    );
  });

  it('decodes to the fields it was made of, by name', () => {
    expect(decodeAuditLeaf(encodeAuditLeaf(fields))).toEqual({
      seq: 7,
      at: '2026-01-02T03:04:05.000Z',
      type: 'authn_login_success',
      outcome: 'success',
      actorAccountId: 'acc1',
      actorDeviceId: null,
      target: 'bob',
      client: null,
      userAgent: 'Firefox on Linux',
      details: '{"passkey":"Laptop"}',
    });
  });

  it('round-trips any fields', () => {
    const text = fc.string({ unit: 'grapheme' });
    const maybe = fc.option(text, { nil: null });
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1 }), text, text, text, maybe, maybe, maybe, maybe, maybe, text),
        (tuple) => {
          const leaf = decodeAuditLeaf(encodeAuditLeaf(tuple));
          expect(Object.values(leaf)).toEqual(tuple);
        },
      ),
    );
  });

  it('refuses bad UTF-8, another version, another length and a field of the wrong type', () => {
    expect(refusal(Uint8Array.of(0x5b, 0xff, 0x5d))).toBe('LEAF_MALFORMED');
    expect(refusal(utf8('{}'))).toBe('LEAF_MALFORMED');
    expect(refusal(utf8('[2,7,"a","b","c",null,null,null,null,null,"{}"]'))).toBe('LEAF_MALFORMED');
    expect(refusal(utf8('[1,7,"a","b","c",null,null,null,null,null]'))).toBe('LEAF_MALFORMED');
    expect(refusal(utf8('[1,"7","a","b","c",null,null,null,null,null,"{}"]'))).toBe(
      'LEAF_MALFORMED',
    );
    expect(refusal(utf8('[1,7,"a","b","c",null,null,null,null,null,{}]'))).toBe('LEAF_MALFORMED');
    expect(refusal(utf8('[1,7,"a","b","c",null,null,null,null,null,"{}"]'))).toBe('accepted');
  });
});
