import type { StaleDevicesResponse } from '@vaultroom/shared';
import { sql } from 'kysely';
import type { AccountsContext } from './AccountsContext.js';

const DAY_MS = 86_400_000;

/**
 * Devices, not revoked, that have not connected within the retention period (or, never seen,
 * were registered before it), longest unseen first, with what waits in their mailboxes. Such a
 * device loses what is sent to it as it expires, and holds its share of the senders' quotas
 * until then: an admin may ask its owner, or revoke it.
 */
export async function listStaleDevices(ctx: AccountsContext): Promise<StaleDevicesResponse> {
  const cutoff = ctx.now().getTime() - ctx.settings.retentionMs;
  const seen = sql<number>`coalesce(devices.last_seen_at, devices.created_at)`;
  const rows = await ctx.db
    .selectFrom('devices')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .leftJoin('envelopes', 'envelopes.recipient_device_id', 'devices.id')
    .select([
      'devices.id',
      'devices.name',
      'devices.created_at',
      'devices.last_seen_at',
      'accounts.handle',
      sql<number>`count(envelopes.seq)`.as('envelopes'),
      // length() of a blob is its size in bytes (SQLite and PostgreSQL alike).
      sql<number>`coalesce(sum(length(envelopes.body)), 0)`.as('bytes'),
    ])
    .where('devices.revoked_at', 'is', null)
    .where(seen, '<', cutoff)
    .groupBy(['devices.id', 'accounts.handle'])
    .orderBy(seen)
    .orderBy('devices.id')
    .execute();
  return {
    retentionDays: Math.round(ctx.settings.retentionMs / DAY_MS),
    devices: rows.map((row) => ({
      id: row.id,
      handle: row.handle,
      name: row.name,
      createdAt: new Date(row.created_at).toISOString(),
      lastSeenAt: row.last_seen_at === null ? null : new Date(row.last_seen_at).toISOString(),
      envelopes: row.envelopes,
      bytes: row.bytes,
    })),
  };
}
