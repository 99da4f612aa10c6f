import { describe, expect, it } from 'vitest';
import { CertificateError } from './CertificateError.js';
import { normalizeHostnames } from './normalizeHostnames.js';

function failure(hostnames: readonly string[]): CertificateError {
  try {
    normalizeHostnames(hostnames);
  } catch (error) {
    expect(error).toBeInstanceOf(CertificateError);
    return error as CertificateError;
  }
  throw new Error(`accepted ${JSON.stringify(hostnames)}`);
}

describe('normalizeHostnames', () => {
  it('lower-cases, keeps order and drops duplicates', () => {
    expect(normalizeHostnames(['Chat.Example.ORG', 'vaultroom.local', 'chat.example.org'])).toEqual(
      ['chat.example.org', 'vaultroom.local'],
    );
  });

  it('accepts single-label names, digits and inner hyphens', () => {
    expect(normalizeHostnames(['vaultroom', 'relay-1.home.arpa', '1a.example'])).toEqual([
      'vaultroom',
      'relay-1.home.arpa',
      '1a.example',
    ]);
  });

  it('converts internationalised names to their A-label form', () => {
    expect(normalizeHostnames(['bücher.example'])).toEqual(['xn--bcher-kva.example']);
  });

  it('requires at least one name', () => {
    expect(failure([]).code).toBe('INVALID_HOSTNAME');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['*.example.org', 'wildcard'],
    ['chat.*.org', 'wildcard'],
    ['192.168.1.10', 'IP address'],
    ['::1', 'IP address'],
    ['[::1]', 'IP address'],
    ['10.1', 'last label'],
    ['chat.example.org.', 'trailing dot'],
    ['chat..example.org', 'label'],
    ['-chat.example.org', 'label'],
    ['chat-.example.org', 'label'],
    ['under_score.example.org', 'label'],
    [`${'a'.repeat(64)}.example.org`, 'label'],
    [`${'a.'.repeat(127)}ab`, 'longer than 253'],
    ['chat example.org', 'not a DNS name'],
    ['chat.example.org:8443', 'not a DNS name'],
  ])('rejects %j (%s)', (name, why) => {
    const error = failure(['vaultroom.local', name]);
    expect(error.code).toBe('INVALID_HOSTNAME');
    expect(error.message).toContain(JSON.stringify(name));
    expect(error.message).toContain(why);
  });
});
