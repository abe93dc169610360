import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import tap from 'tap';
import { createPool, migrate, startEmbeddedPostgres, type EmbeddedServer } from '../../adapters/postgres/index.js';
import { SUITE_SERVER_ENV, SUITE_TEMPLATE_ENV, withDatabase } from './suiteEnv.js';

type Test = { teardown(fn: () => unknown): void };

let cluster: Promise<EmbeddedServer> | undefined;

/**
 * One throwaway embedded PostgreSQL per test process (fsync off), stopped and deleted when the
 * process's tests end: for a test file run on its own. `npm test` starts one server for the whole
 * run (test/support/suite.ts) and test databases are made there; with DATABASE_URL set, that
 * server is used instead.
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

const adminQuery = async (url: string, sql: string): Promise<void> => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
};

let template: Promise<string> | undefined;

/**
 * A migrated database which every migrated test database is copied from: CREATE DATABASE …
 * TEMPLATE copies files (about 0.4 s on a busy machine) where running every migration again took
 * about 1.9 s, a few hundred times per suite. `npm test` makes one for the whole run; a test file
 * run on its own makes one per process. Nothing connects to it after it is made (a template must
 * have no sessions while it is copied).
 */
const makeTemplate = async (base: string): Promise<string> => {
  const name = `modera_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  // The embedded server is deleted whole; a shared server (DATABASE_URL) must not keep it.
  if (process.env.DATABASE_URL) tap.teardown(() => adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const pool = createPool(withDatabase(base, name), { max: 2 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return name;
};

const migratedTemplate = (base: string): Promise<string> => {
  const suiteTemplate = process.env[SUITE_TEMPLATE_ENV];
  return (template ??= suiteTemplate ? Promise.resolve(suiteTemplate) : makeTemplate(base));
};

/**
 * A fresh database for one test: created empty, migrated unless `migrate: false`, dropped at
 * teardown. Real PostgreSQL always: the embedded server, or DATABASE_URL when set.
 */
export const testDatabase = async (
  t: Test,
  options: { migrate?: boolean; poolMax?: number } = {},
): Promise<{ url: string; pool: pg.Pool }> => {
  const base = process.env[SUITE_SERVER_ENV] ?? process.env.DATABASE_URL ?? (await testCluster()).url;
  const name = `modera_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const migrated = options.migrate ?? true;
  await adminQuery(base, `CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${await migratedTemplate(base)}` : ''}`);
  const url = withDatabase(base, name);
  const pool = createPool(url, { max: options.poolMax ?? 20 });
  t.teardown(async () => {
    await pool.end();
    await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return { url, pool };
};
