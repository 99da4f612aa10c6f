import { openPostgresDatabase } from '../../src/db/openPostgresDatabase.js';
import { createPostgresMailboxStore } from '../../src/mailbox/createPostgresMailboxStore.js';
import { describeMailboxStore } from '../mailboxStoreContract.js';
import { startPostgres } from '../services/postgresServer.js';

// The same test body runs on SQLite in relay/src/mailbox/createMailboxStore.test.ts.
describeMailboxStore('PostgreSQL', async () => {
  const server = await startPostgres();
  const database = await openPostgresDatabase(server.url);
  return {
    store: createPostgresMailboxStore(database.pool),
    db: database.db,
    async close() {
      await database.close();
      await server.stop();
    },
  };
});
