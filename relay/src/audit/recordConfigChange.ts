import type { Kysely } from 'kysely';
import type { RelayConfig } from '../config/relayConfig.js';
import type { RelayDatabase } from '../db/schema.js';
import { changes, type WriteStore } from '../db/WriteStore.js';
import { appendSecurityEvent } from './recordSecurityEvent.js';

const KEY = 'security_settings';

/** The settings that change what the relay lets people do; paths and log levels are left out. */
function securitySettings(config: RelayConfig): Record<string, string> {
  return {
    hostname: config.hostname,
    altHostnames: config.altHostnames.join(','),
    ownCertificate: String(config.tls !== null),
    registration: config.registration,
    sessionIdleHours: String(config.sessionIdleHours),
    sessionMaxDays: String(config.sessionMaxDays),
    challengeTtlSeconds: String(config.challengeTtlSeconds),
    authRatePerMinute: String(config.authRatePerMinute),
    allowLocalhost: String(config.allowLocalhost),
    push: String(config.push),
    pushAllowPrivate: String(config.pushAllowPrivate),
    // Who may sign in past the per-address limit (a load balancer's address), or ''.
    frontAddress: config.frontAddress ?? '',
  };
}

/**
 * Settings added after relays were deployed, with the value they had before they existed: a
 * record made by an older version reads as that value, so upgrading is not a change.
 */
const ADDED_LATER: Readonly<Record<string, string>> = { frontAddress: '' };

/** Records which security settings differ from the previous start (their names, not values). */
export async function recordConfigChange(
  db: Kysely<RelayDatabase>,
  writes: WriteStore,
  config: RelayConfig,
): Promise<void> {
  const current = securitySettings(config);
  const row = await db
    .selectFrom('relay_meta')
    .select('value')
    .where('key', '=', KEY)
    .executeTakeFirst();
  const previous = row === undefined ? null : (JSON.parse(row.value) as Record<string, string>);
  const changed = Object.keys(current).filter(
    (name) => previous !== null && (previous[name] ?? ADDED_LATER[name]) !== current[name],
  );
  await writes.write(function* (tx) {
    yield* changes(
      tx.db
        .insertInto('relay_meta')
        .values({ key: KEY, value: JSON.stringify(current) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(current) })),
    );
    if (changed.length > 0) {
      yield* appendSecurityEvent(tx, {
        type: 'config_changed',
        outcome: 'success',
        details: { settings: changed.join(','), registration: current['registration'] ?? null },
      });
    }
  });
}
