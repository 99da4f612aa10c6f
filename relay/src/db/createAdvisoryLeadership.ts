import pg from 'pg';

/**
 * One relay of several sharing a PostgreSQL database leads a task (signing audit checkpoints)
 * while it holds a session-level advisory lock, on a connection of its own kept open for that. The
 * server releases the lock when that connection ends, so when the leading relay dies or loses the
 * server, another takes the lead at its next try.
 */
export interface AdvisoryLeadership {
  /** Whether this relay leads now; tries to take the lead when nobody holds it. */
  leads(): Promise<boolean>;
  stop(): Promise<void>;
}

export function createAdvisoryLeadership(url: string, lockId: number): AdvisoryLeadership {
  let client: pg.Client | null = null;
  let leading = false;
  let stopped = false;

  const drop = () => {
    const old = client;
    client = null;
    leading = false;
    void old?.end().catch(() => undefined);
  };

  return {
    async leads() {
      if (stopped) return false;
      if (leading && client !== null) return true;
      try {
        if (client === null) {
          const fresh = new pg.Client({ connectionString: url });
          // A lost connection loses the lock with it: lead no more, connect again next time.
          fresh.on('error', () => {
            if (client === fresh) drop();
          });
          fresh.on('end', () => {
            if (client === fresh) drop();
          });
          client = fresh;
          await fresh.connect();
        }
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [lockId],
        );
        leading = rows[0]?.locked === true;
      } catch {
        drop();
      }
      return leading && !stopped;
    },
    async stop() {
      stopped = true;
      const old = client;
      client = null;
      leading = false;
      await old?.end().catch(() => undefined);
    },
  };
}
