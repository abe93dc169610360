import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import tap from 'tap';
import { createPool, migrate, startEmbeddedPostgres, type EmbeddedServer } from '../../adapters/postgres/index.js';

type Test = { teardown(fn: () => unknown): void };

let cluster: Promise<EmbeddedServer> | undefined;

/**
 * One throwaway embedded PostgreSQL per test process (fsync off), stopped and deleted when the
 * process's tests end. With DATABASE_URL set, that server is used instead.
 */
export const testCluster = (): Promise<EmbeddedServer> =>
  (cluster ??= (async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-test-'));
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    tap.teardown(async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    return server;
  })());

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * A fresh database for one test: created empty, migrated unless `migrate: false`, dropped at
 * teardown. Real PostgreSQL always: the embedded server, or DATABASE_URL when set.
 */
export const testDatabase = async (
  t: Test,
  options: { migrate?: boolean; poolMax?: number } = {},
): Promise<{ url: string; pool: pg.Pool }> => {
  const base = process.env.DATABASE_URL ?? (await testCluster()).url;
  const name = `modera_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(base, name);
  const pool = createPool(url, { max: options.poolMax ?? 20 });
  t.teardown(async () => {
    await pool.end();
    const drop = new pg.Client({ connectionString: base });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await drop.end();
  });
  if (options.migrate ?? true) await migrate(pool);
  return { url, pool };
};
