import pg from 'pg';

// int8 (bigint, bigserial) comes back as a string by default. Our int8 columns hold global
// positions, revisions and money in minor units, all far below 2^53: read them as numbers, and
// refuse loudly if one ever is not safe.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is beyond 2^53`);
  return value;
});

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** How long to wait for a connection before failing, ms. */
  connectionTimeoutMs?: number;
}

export const POOL_DEFAULT_MAX = 20;
export const CONNECTION_TIMEOUT_MS = 5_000;
export const IDLE_TIMEOUT_MS = 30_000;

/** A pg pool with explicit limits; idle-client errors are reported, never crash the process. */
export const createPool = (url: string, options: PoolOptions = {}): pg.Pool => {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? POOL_DEFAULT_MAX,
    application_name: options.applicationName ?? 'modera',
    connectionTimeoutMillis: options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  // An idle client losing its connection (server restart) emits 'error' on the pool; without a
  // listener Node would crash. The next checkout gets a fresh connection.
  pool.on('error', () => undefined);
  return pool;
};
