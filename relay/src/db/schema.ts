import type { Generated } from 'kysely';

/** Facts about this installation that outlive a process: schema creation time, instance id. */
export interface RelayMetaTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
}

/** The relay's tables, one interface each; feature migrations add theirs here. */
export interface RelayDatabase {
  relay_meta: RelayMetaTable;
}
