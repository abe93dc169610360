import pg from 'pg';

/** First key of every projector lock (the second is a hash of the name): apart from other locks. */
export const PROJECTOR_LOCK_CLASS = 7_246_300;
/** How often a holder checks that its lock connection is still alive, ms. */
export const LOCK_HEARTBEAT_MS = 5_000;

export const LOCK_APPLICATION_NAME = 'modera-projector-lock';

/**
 * A session-level advisory lock held on a connection of its own, outside the pool: while the
 * connection lives, the lock is ours; when it dies (the process was killed, the network broke),
 * PostgreSQL releases it and a standby takes over. `onLost` is called once if that happens while
 * held.
 */
export class ConnectionLock {
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lostHandler: (() => void) | undefined;

  constructor(
    private readonly pool: pg.Pool,
    readonly name: string,
  ) {}

  get held(): boolean {
    return this.client !== undefined;
  }

  onLost(handler: () => void): void {
    this.lostHandler = handler;
  }

  /** Takes the lock if it is free; false when another session holds it. */
  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = new pg.Client({ ...this.pool.options, application_name: LOCK_APPLICATION_NAME, keepAlive: true });
    client.on('error', () => this.lose(client));
    client.on('end', () => this.lose(client));
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [PROJECTOR_LOCK_CLASS, this.name],
      );
      if (!rows[0]?.locked) {
        await client.end().catch(() => undefined);
        return false;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    // An idle connection that died is only noticed when used: use it now and then.
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch(() => this.lose(client));
    }, LOCK_HEARTBEAT_MS);
    this.heartbeat.unref();
    return true;
  }

  /** Lets go of the lock (closing its connection releases it). */
  async release(): Promise<void> {
    const client = this.client;
    this.stopHolding();
    await client?.end().catch(() => undefined);
  }

  private lose(client: pg.Client): void {
    if (this.client !== client) return;
    this.stopHolding();
    client.end().catch(() => undefined);
    this.lostHandler?.();
  }

  private stopHolding(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.client = undefined;
  }
}

/** Whether any session holds the projector lock of `name` (for status, from any process). */
export const isLockHeld = async (db: pg.Pool | pg.ClientBase, name: string): Promise<boolean> => {
  const { rows } = await db.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND classid = $1::int::oid AND objid = hashtext($2)::oid AND objsubid = 2) AS held`,
    [PROJECTOR_LOCK_CLASS, name],
  );
  return rows[0]?.held ?? false;
};
