import { describe, expect, it } from 'vitest';
import { readInviteFragment } from './readInviteFragment.js';

describe('readInviteFragment', () => {
  it('reads the token from the fragment', () => {
    expect(readInviteFragment('#invite=abc_DEF-123')).toBe('abc_DEF-123');
    expect(readInviteFragment('invite=abc')).toBe('abc');
  });

  it('returns null without a token or with one that cannot be an invite', () => {
    expect(readInviteFragment('')).toBeNull();
    expect(readInviteFragment('#other=1')).toBeNull();
    expect(readInviteFragment('#invite=')).toBeNull();
    expect(readInviteFragment('#invite=a%20b')).toBeNull();
  });
});
