import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './ConfigError.js';
import { DEFAULTS, parseRelayConfig, type RawRelayConfig } from './relayConfig.js';

/*
 * Fuzzing of the relay's settings as they arrive from VAULTROOM_* variables and flags: each
 * setting missing, valid, a mutated valid value or arbitrary text. Every input must give a
 * configuration within the documented ranges or a ConfigError (one line for the operator);
 * anything else thrown is a crash. FUZZ_SEED fixes the inputs (CI uses the default);
 * FUZZ_RUNS=200000 is the long local mode.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261125);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);
/** One input taking this long counts as a hang: far above the slowest seen, even on a loaded machine. */
const HANG_MS = 2000;

const VALID: Required<{ [K in keyof RawRelayConfig]: string }> = {
  ...DEFAULTS,
  altHostnames: 'vaultroom.home.arpa,chat.example',
  tlsCert: 'cert.pem',
  tlsKey: 'key.pem',
  pwaDir: 'pwa/dist',
  publicPort: '443',
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

describe('relay settings under fuzzing', () => {
  it(
    'yields a configuration within the documented ranges or a ConfigError, nothing else',
    () => {
      let executions = 0;
      let accepted = 0;
      let refused = 0;
      let crashes = 0;
      let hangs = 0;
      let slowest = 0;
      try {
        fc.assert(
          fc.property(rawConfig, (raw) => {
            executions += 1;
            const started = performance.now();
            let ok = true;
            try {
              const config = parseRelayConfig(raw, '/srv/vaultroom');
              accepted += 1;
              ok =
                Number.isInteger(config.port) &&
                config.port >= 0 &&
                config.port <= 65535 &&
                (config.httpPort === null || (config.httpPort >= 1 && config.httpPort <= 65535)) &&
                HOSTNAME.test(config.hostname) &&
                config.altHostnames.every((name) => HOSTNAME.test(name)) &&
                config.sessionIdleHours >= 1 &&
                config.sendRatePerSecond >= 1 &&
                config.maxConnectionsPerAccount >= 1 &&
                config.dataDir.startsWith('/') &&
                (config.tls === null || config.tls.certFile.startsWith('/'));
              if (!ok) crashes += 1;
            } catch (error) {
              if (error instanceof ConfigError && !error.message.includes('\n')) refused += 1;
              else {
                crashes += 1;
                ok = false;
              }
            }
            const ms = performance.now() - started;
            slowest = Math.max(slowest, ms);
            if (ms > HANG_MS) hangs += 1;
            return ok && ms <= HANG_MS;
          }),
          { seed: SEED, numRuns: RUNS },
        );
      } finally {
        console.log(
          `fuzz parseRelayConfig: ${executions} executions (seed ${SEED}), ${accepted} accepted, ` +
            `refused [CONFIG_INVALID ${refused}], crashes ${crashes} (bound 0), hangs ${hangs} ` +
            `(bound 0; slowest ${slowest.toFixed(1)} ms, bound ${HANG_MS} ms)`,
        );
      }
      expect(crashes).toBe(0);
      expect(hangs).toBe(0);
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    },
    30_000 + RUNS * 5,
  );
});
