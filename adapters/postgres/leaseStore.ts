import type pg from 'pg';
import { LeaseLost, type Lease, type LeaseStore } from '../../app/loop/index.js';
import { inTransaction } from '../../projections/transaction.js';

const TTL = `now() + make_interval(secs => $3::double precision / 1000)`;

/**
 * The durable loop's leases in `loop_leases` (schema/013_loop_leases.sql). Expiry is judged by
 * the database's clock, the one clock every process shares.
 */
export class PostgresLeaseStore implements LeaseStore {
  constructor(private readonly db: pg.Pool) {}

  /** Takes the lease when it is free or expired: a new generation. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    const { rows } = await this.db.query<{ generation: number }>(
      `INSERT INTO loop_leases AS l (name, holder, generation, expires_at) VALUES ($1, $2, 1, ${TTL})
       ON CONFLICT (name) DO UPDATE
         SET holder = EXCLUDED.holder, generation = l.generation + 1, expires_at = EXCLUDED.expires_at,
             acquired_at = now(), renewed_at = now()
       WHERE l.expires_at <= now()
       RETURNING generation`,
      [name, holder, ttlMs],
    );
    const generation = rows[0]?.generation;
    return generation === undefined ? undefined : { name, holder, generation };
  }

  /** Extends the lease if it is still this generation's (even just past expiry, if no one took it). */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE loop_leases SET expires_at = ${TTL}, renewed_at = now()
        WHERE name = $1 AND holder = $2 AND generation = $4`,
      [lease.name, lease.holder, ttlMs, lease.generation],
    );
    return rowCount === 1;
  }

  /** Expires the lease now, keeping the row (and its generation). */
  async release(lease: Lease): Promise<void> {
    await this.db.query(
      'UPDATE loop_leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND generation = $3',
      [lease.name, lease.holder, lease.generation],
    );
  }
}

/**
 * The fence: call first in a step's transaction. Locks the lease row FOR SHARE and throws
 * `LeaseLost` unless `lease` is still its generation; a takeover (an UPDATE of that row) then
 * waits until this transaction ends, so no write of a lost lease commits after a takeover.
 */
export const assertLeaseHeld = async (client: pg.ClientBase, lease: Lease): Promise<void> => {
  const { rowCount } = await client.query(
    'SELECT 1 FROM loop_leases WHERE name = $1 AND holder = $2 AND generation = $3 FOR SHARE',
    [lease.name, lease.holder, lease.generation],
  );
  if (rowCount !== 1) throw new LeaseLost(lease);
};

/** `work` in one transaction fenced by `lease` (no fence for a loop without a lease). */
export const fencedTransaction = <T>(
  pool: pg.Pool,
  lease: Lease | undefined,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> =>
  inTransaction(pool, async (client) => {
    if (lease) await assertLeaseHeld(client, lease);
    return work(client);
  });
