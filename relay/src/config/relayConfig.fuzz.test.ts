import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzTarget } from '../../../shared/test/fuzzing.js';
import { ConfigError } from './ConfigError.js';
import { DEFAULTS, parseRelayConfig, type RawRelayConfig } from './relayConfig.js';

/*
 * Fuzzing of the relay's settings as they arrive from VAULTROOM_* variables and flags: each
 * setting missing, valid, a mutated valid value or arbitrary text. Every input must give a
 * configuration within the documented ranges or a ConfigError (one line for the operator);
 * anything else thrown, or a configuration out of range, is a crash. The seed, the run count and
 * the printed line come from the project's fuzz harness.
 */
const RUNS = fuzzRuns(3000);

const VALID: Required<{ [K in keyof RawRelayConfig]: string }> = {
  ...DEFAULTS,
  altHostnames: 'vaultroom.home.arpa,chat.example',
  tlsCert: 'cert.pem',
  tlsKey: 'key.pem',
  pwaDir: 'pwa/dist',
  publicPort: '443',
  databaseUrl: 'postgres://vaultroom:secret@db.internal:5432/vaultroom',
  natsUrl: 'nats://relay:secret@10.0.0.5:4222',
  frontAddress: '10.20.0.2',
};

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '-1',
    '0',
    '65536',
    '1e3',
    '0x10',
    '8443 ',
    'NaN',
    '99999999999999999999',
  ),
);

/** A valid value with one character changed, inserted or removed. */
const mutatedValid = (valid: string) =>
  fc
    .tuple(fc.nat(), fc.string({ maxLength: 2, unit: 'binary' }), fc.boolean())
    .map(([at, piece, remove]) => {
      const index = valid.length === 0 ? 0 : at % valid.length;
      return remove
        ? valid.slice(0, index) + valid.slice(index + 1)
        : valid.slice(0, index) + piece + valid.slice(index);
    });

const rawConfig: fc.Arbitrary<RawRelayConfig> = fc.record(
  Object.fromEntries(
    Object.entries(VALID).map(([key, valid]) => [
      key,
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 4 },
        { arbitrary: fc.constant(valid), weight: 4 },
        { arbitrary: mutatedValid(valid), weight: 1 },
        { arbitrary: text, weight: 1 },
      ),
    ]),
  ),
  { requiredKeys: [] },
);

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A parsed configuration outside the documented ranges: a crash, not a refusal. */
class OutOfRange extends Error {}

/** Parses one raw configuration and throws OutOfRange for a result outside the documented ranges. */
function parseWithinRanges(raw: RawRelayConfig): void {
  const config = parseRelayConfig(raw, '/srv/vaultroom');
  const within =
    Number.isInteger(config.port) &&
    config.port >= 0 &&
    config.port <= 65535 &&
    (config.httpPort === null || (config.httpPort >= 1 && config.httpPort <= 65535)) &&
    HOSTNAME.test(config.hostname) &&
    config.altHostnames.every((name) => HOSTNAME.test(name)) &&
    config.sessionIdleHours >= 1 &&
    config.sendRatePerSecond >= 1 &&
    config.maxConnectionsPerAccount >= 1 &&
    (config.frontAddress === null || net.isIP(config.frontAddress) !== 0) &&
    config.dataDir.startsWith('/') &&
    (config.tls === null || config.tls.certFile.startsWith('/'));
  if (!within) throw new OutOfRange(JSON.stringify(config));
}

describe('relay settings under fuzzing', () => {
  it(
    'yields a configuration within the documented ranges or a ConfigError, nothing else',
    async () => {
      const outcome = await fuzzTarget({
        target: 'parseRelayConfig',
        input: rawConfig,
        run: parseWithinRanges,
        // A ConfigError is one line for the operator; one spanning lines counts as a crash.
        codeOf: (error) =>
          error instanceof ConfigError && !error.message.includes('\n')
            ? 'CONFIG_INVALID'
            : undefined,
        runs: RUNS,
      });
      expect(outcome.accepted).toBeGreaterThan(0);
      expect(outcome.refused.get('CONFIG_INVALID') ?? 0).toBeGreaterThan(0);
    },
    30_000 + RUNS * 5,
  );
});
