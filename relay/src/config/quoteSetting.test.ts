import { describe, expect, it } from 'vitest';
import { ConfigError } from './ConfigError.js';
import { parseRelayConfig } from './relayConfig.js';
import { quoteSetting } from './quoteSetting.js';

describe('quoteSetting', () => {
  it('keeps a refused value on one line, escaping what cannot be shown', () => {
    expect(quoteSetting('8443\nx')).toBe('"8443\\u{a}x"');
    expect(quoteSetting('a\u202eb"c\\')).toBe('"a\\u{202e}b\\"c\\\\"');
    expect(quoteSetting('x'.repeat(200))).toBe(`"${'x'.repeat(80)}…"`);
  });

  it('keeps every configuration error to one line (found by fuzzing)', () => {
    for (const raw of [{ auditCheckpointEvents: '\n' }, { hostname: 'evil\r\nINFO relay ready' }]) {
      const attempt = () => parseRelayConfig(raw);
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^[^\r\n]+$/);
    }
  });
});
