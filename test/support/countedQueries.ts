import type pg from 'pg';

/**
 * The same pool, counting the queries begun whose SQL matches `pattern`. A subscription reads the
 * log with one such query per turn, so once two have begun after some fact, the first saw it and
 * anything it found was delivered before the second. A test that must show a reader did NOT
 * deliver something waits for that, instead of sleeping. Every call goes to the real pool.
 */
export const countedQueries = (pool: pg.Pool, pattern: RegExp): { pool: pg.Pool; count(): number } => {
  let count = 0;
  const counted = new Proxy(pool, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'query') return value.bind(target);
      return (...args: unknown[]): unknown => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
        if (text !== undefined && pattern.test(text)) count += 1;
        return value.apply(target, args);
      };
    },
  });
  return { pool: counted, count: () => count };
};

/** The SQL a PostgreSQL subscription reads each batch with (adapters/eventstore/postgres/sql.ts). */
export const SUBSCRIPTION_READ = /WITH horizon AS MATERIALIZED/;
