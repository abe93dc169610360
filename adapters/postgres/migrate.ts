import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { inTransaction } from '../../projections/transaction.js';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema');
const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;
// One migrator at a time across every process sharing the database.
const MIGRATION_LOCK_KEY = 7_246_001;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const loadMigrations = async (dir: string): Promise<Migration[]> => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  return Promise.all(
    files.map(async (name) => {
      const match = MIGRATION_FILE.exec(name);
      if (!match) throw new MigrationError(`schema/${name}: migration files are named NNN_lower_case.sql`);
      const version = Number(match[1]);
      if (seen.has(version)) throw new MigrationError(`schema/: two migrations are numbered ${match[1]}`);
      seen.add(version);
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
};

/**
 * Applies the numbered SQL files of `schema/` in order, each in its own transaction, recording
 * a checksum. An applied migration whose file has changed stops everything: history is not
 * rewritten silently; add a new migration instead.
 */
export const migrate = async (pool: pg.Pool, options: { dir?: string } = {}): Promise<{ applied: string[] }> => {
  const migrations = await loadMigrations(options.dir ?? SCHEMA_DIR);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const previous = done.get(migration.version);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(
            `schema/${migration.name} was changed after it was applied (recorded as ${previous.name}, ` +
              `checksum ${previous.checksum.slice(0, 12)}…, now ${migration.checksum.slice(0, 12)}…). ` +
              'Restore the file and put the change in a new migration.',
          );
        }
        continue;
      }
      await inTransaction(pool, async (tx) => {
        await tx.query(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
      });
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
};
