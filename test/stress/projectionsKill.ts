/**
 * The long crash test of the projector and the rebuild (the test suite runs a short one):
 *   node --import=tsx test/stress/projectionsKill.ts [events=100000] [kills=20] [seed]
 * Starts a throwaway embedded PostgreSQL (or uses DATABASE_URL's server), writes a ledger
 * history, then kills the projector and the rebuild with SIGKILL `kills` times each at random
 * moments, and compares the tables with a clean projection row by row. Prints one JSON document;
 * exits 1 when the tables differ.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPool, migrate, startEmbeddedPostgres, type EmbeddedServer } from '../../adapters/postgres/index.js';
import { runKillScenario } from '../support/killScenario.js';

const [eventsArg, killsArg, seedArg] = process.argv.slice(2);
const events = Number(eventsArg ?? 100_000);
const kills = Number(killsArg ?? 20);
const seed = Number(seedArg ?? Math.floor(Math.random() * 1e9));
const log = (line: string) => process.stderr.write(`${line}\n`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-stress-'));
let server: EmbeddedServer | undefined;
const pools: pg.Pool[] = [];
try {
  let base = process.env.DATABASE_URL;
  if (!base) {
    server = await startEmbeddedPostgres({ dataDir, durable: false });
    base = server.url;
  }
  const database = async (name: string): Promise<{ url: string; pool: pg.Pool }> => {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base!);
    url.pathname = `/${name}`;
    const pool = createPool(url.toString(), { max: 8 });
    pools.push(pool);
    await migrate(pool);
    return { url: url.toString(), pool };
  };
  const { url, pool } = await database('modera_stress_killed');
  const { pool: cleanPool } = await database('modera_stress_clean');
  log(`seed ${seed}, ${events} events, ${kills} kills per phase`);
  const result = await runKillScenario({
    pool,
    url,
    cleanPool,
    events,
    users: Math.max(1, Math.round(events / 10)),
    projectorKills: kills,
    rebuildKills: kills,
    seed,
    log,
  });
  process.stdout.write(`${JSON.stringify({ events, ...result }, null, 2)}\n`);
  process.exitCode = result.afterProjector.mismatches.length + result.afterRebuild.mismatches.length > 0 ? 1 : 0;
} finally {
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
}
