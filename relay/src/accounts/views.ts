import type { AccountView, PasskeyView } from '@vaultroom/shared';
import type { AccountsTable, PasskeysTable } from '../db/schema.js';
import { passkeyProvider } from './passkeyProvider.js';

export function accountView(
  row: Pick<AccountsTable, 'id' | 'handle' | 'display_name' | 'role' | 'created_at'>,
): AccountView {
  return {
    id: row.id,
    handle: row.handle,
    displayName: row.display_name,
    role: row.role,
    createdAt: row.created_at,
  };
}

export function passkeyView(row: PasskeysTable): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    provider: passkeyProvider(row.aaguid),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    backupEligible: row.backup_eligible === 1,
    backedUp: row.backed_up === 1,
  };
}
