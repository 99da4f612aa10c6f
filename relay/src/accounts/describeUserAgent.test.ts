import { describe, expect, it } from 'vitest';
import { describeUserAgent } from './describeUserAgent.js';

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('describeUserAgent', () => {
  it('names the browser family and the system, nothing more', () => {
    expect(describeUserAgent(CHROME_LINUX)).toBe('Chrome on Linux');
    expect(describeUserAgent(`${CHROME_LINUX} Café/1.0 secret-build-42`)).toBe('Chrome on Linux');
    expect(describeUserAgent(SAFARI_IPHONE)).toBe('Safari on iOS');
  });

  it('says so when it knows neither', () => {
    expect(describeUserAgent('')).toBe('Unknown browser');
    expect(describeUserAgent('curl/8.5.0 token=abc')).toBe('Unknown browser');
  });
});
