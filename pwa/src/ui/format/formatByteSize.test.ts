import { describe, expect, it } from 'vitest';
import { formatByteSize } from './formatByteSize.js';

describe('formatByteSize', () => {
  it('counts bytes below a kilobyte one by one', () => {
    expect(formatByteSize(0, 'en')).toBe('0 bytes');
    expect(formatByteSize(1023, 'en')).toBe('1,023 bytes');
  });

  it('steps by 1024, with one decimal below ten', () => {
    expect(formatByteSize(1024, 'en')).toBe('1 kB');
    expect(formatByteSize(1536, 'en')).toBe('1.5 kB');
    expect(formatByteSize(256 * 1024 * 1024, 'en')).toBe('256 MB');
    expect(formatByteSize(3 * 1024 ** 4, 'en')).toBe('3 TB');
    expect(formatByteSize(5000 * 1024 ** 4, 'en')).toBe('5,000 TB');
  });

  it('speaks the interface language', () => {
    // Which no-break space French takes depends on the platform's Intl data.
    const fr = (bytes: number) => formatByteSize(bytes, 'fr').replace(/\s/gu, ' ');
    expect(fr(1536)).toBe('1,5 ko');
    expect(fr(256 * 1024 * 1024)).toBe('256 Mo');
  });
});
