/**
 * `npm test`: one PostgreSQL for the whole run, then tap.
 *
 * Every test file used to start its own embedded cluster and migrate its own template database:
 * about 3.5 s of CPU per file, on a 2-core machine, for 114 files. Here the suite starts one
 * throwaway cluster (fsync off), migrates one template database, and hands both to the test
 * processes through the environment (test/support/database.ts reads them); each test still gets a
 * database of its own, copied from the template. With DATABASE_URL set, that server is used and
 * only the template is made (and dropped at the end).
 *
 * Arguments are passed to tap unchanged; the exit code is tap's.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, migrate, startEmbeddedPostgres, type EmbeddedServer } from '../../adapters/postgres/index.js';
import { SUITE_SERVER_ENV, SUITE_TEMPLATE_ENV, withDatabase } from './suiteEnv.js';

/** Connections for every test process of the run at once (tap jobs × pools per test). */
const SUITE_MAX_CONNECTIONS = 1000;
const TAP_BIN = path.resolve('node_modules/.bin/tap');

const adminQuery = async (url: string, sql: string): Promise<void> => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
};

const makeTemplate = async (base: string): Promise<string> => {
  const name = `modera_suite_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const pool = createPool(withDatabase(base, name), { max: 2 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return name;
};

/** tap's plugin set as built at install, with every default plugin (the TypeScript loader too). */
const TAP_BUILT = path.resolve('node_modules/@tapjs/test/test-built/dist/esm/index.js');

/**
 * `npm install` builds tap with its default plugins; .taprc drops the TypeScript one (tsx loads
 * TypeScript instead). tap rebuilds itself on the first run that sees the difference, but that
 * run's test processes still load the old set: build before the first run (about 12 s of CPU,
 * once per install), so every test process starts with one loader.
 */
const ensureTapBuilt = async (): Promise<void> => {
  const built = await readFile(TAP_BUILT, 'utf8').catch(() => '');
  if (!built.includes('@tapjs/typescript')) return;
  const code = await runTap(['build'], process.env);
  if (code !== 0) throw new Error(`tap build failed (exit ${code})`);
};

const runTap = (args: string[], env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(TAP_BIN, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 1 : 0));
    });
  });

const main = async (): Promise<number> => {
  let server: EmbeddedServer | undefined;
  let dataDir: string | undefined;
  let base = process.env.DATABASE_URL;
  if (!base) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-suite-'));
    server = await startEmbeddedPostgres({ dataDir, durable: false, maxConnections: SUITE_MAX_CONNECTIONS });
    base = server.url;
  }
  let template: string | undefined;
  try {
    await ensureTapBuilt();
    template = await makeTemplate(base);
    return await runTap(process.argv.slice(2), {
      ...process.env,
      [SUITE_SERVER_ENV]: base,
      [SUITE_TEMPLATE_ENV]: template,
    });
  } finally {
    if (template && !server) await adminQuery(base, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
};

process.exitCode = await main();
