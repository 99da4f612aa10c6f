import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../db/openDatabase.js';
import { describeMailboxStore } from '../../test/mailboxStoreContract.js';
import { createMailboxStore } from './createMailboxStore.js';

// The same test body runs on PostgreSQL in relay/test/postgres/postgresMailboxStore.test.ts.
describeMailboxStore('SQLite', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-mailbox-'));
  const database = await openDatabase(dataDir);
  return {
    store: createMailboxStore(database.sqlite),
    db: database.db,
    async close() {
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
