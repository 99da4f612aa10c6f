import { describe, expect, it } from 'vitest';
import { readInviteFragment, readInviteLogKey, withInviteLogKey } from './readInviteFragment.js';

const KEY = 'AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtI';

describe('readInviteFragment', () => {
  it('reads the token from the fragment', () => {
    expect(readInviteFragment('#invite=abc_DEF-123')).toBe('abc_DEF-123');
    expect(readInviteFragment('invite=abc')).toBe('abc');
    expect(readInviteFragment(`#invite=abc&log=${KEY}`)).toBe('abc');
  });

  it('returns null without a token or with one that cannot be an invite', () => {
    expect(readInviteFragment('')).toBeNull();
    expect(readInviteFragment('#other=1')).toBeNull();
    expect(readInviteFragment('#invite=')).toBeNull();
    expect(readInviteFragment('#invite=a%20b')).toBeNull();
  });
});

describe('the log key in an invite link', () => {
  it('is added to the fragment and read back, 43 characters for 32 bytes', () => {
    const link = withInviteLogKey('https://vaultroom.local/join#invite=abc', KEY);
    expect(link).toBe(`https://vaultroom.local/join#invite=abc&log=${KEY}`);
    expect(readInviteLogKey(new URL(link).hash)).toBe(KEY);
  });

  it('leaves a link without a key as it is, and reads no key where none fits', () => {
    expect(withInviteLogKey('https://x/join#invite=abc', null)).toBe('https://x/join#invite=abc');
    expect(readInviteLogKey('#invite=abc')).toBeNull();
    expect(readInviteLogKey(`#invite=abc&log=${KEY.slice(1)}`)).toBeNull();
    expect(readInviteLogKey(`#invite=abc&log=${KEY.slice(1)}+`)).toBeNull();
    // 43 characters whose last one carries bits past the 32 bytes: not canonical.
    expect(readInviteLogKey(`#invite=abc&log=${KEY.slice(0, 42)}J`)).toBeNull();
  });
});
