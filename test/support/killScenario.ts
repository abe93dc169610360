import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import { ProjectorRunner } from '../../projections/runner.js';
import { bulkAppend, ledgerHistory, seededRandom } from './ledgerHistory.js';
import { ledgerRows } from './readTables.js';
import { projected } from './waitFor.js';

/**
 * The crash test of the projector and of the rebuild: a child process runs them against a real
 * database and is killed with SIGKILL at random (seeded) moments, then started again, until it
 * finishes. The read tables must then be, row by row, what a clean projection of the same log
 * into another database gives.
 */

/** The clean projection of the whole history, on a busy machine: far above its usual few seconds. */
const CLEAN_PROJECTION_DEADLINE_MS = 120_000;
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'projectorChild.ts');

export interface KillScenarioOptions {
  /** The database with the event store, where the killed child works. */
  pool: pg.Pool;
  url: string;
  /** An empty migrated database for the clean projection. */
  cleanPool: pg.Pool;
  events: number;
  users: number;
  /** Kills of the live projector, then kills of the rebuild. */
  projectorKills: number;
  rebuildKills: number;
  seed: number;
  batchSize?: number;
  /** Events per rebuild write (small, so kills land between writes, not only before the first). */
  writeEvents?: number;
  log?: (line: string) => void;
}

export interface Comparison {
  users: number;
  transactions: number;
  /** Where the tables differ: empty when identical. */
  mismatches: string[];
}

export interface KillScenarioResult {
  seed: number;
  /** Runs killed while working, per phase (a run that finished before its kill is not counted). */
  killed: { projector: number; rebuild: number };
  afterProjector: Comparison;
  afterRebuild: Comparison;
}

/**
 * Runs the child once; kills it `killAfterMs` after it is ready unless it ends first. Says
 * whether it was killed and how long it worked.
 */
const runChild = (
  options: KillScenarioOptions,
  mode: 'run' | 'rebuild',
  killAfterMs: number | undefined,
): Promise<{ killed: boolean; workMs: number }> =>
  new Promise((resolve, reject) => {
    const args = [CHILD, options.url, mode, String(options.batchSize ?? 1_000), String(options.writeEvents ?? 5_000)];
    const child = spawn(process.execPath, ['--import=tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    let readyAt = performance.now();
    child.stdout.once('data', () => {
      readyAt = performance.now();
      if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve({ killed: true, workMs: performance.now() - readyAt });
      if (code === 0) return resolve({ killed: false, workMs: performance.now() - readyAt });
      reject(new Error(`projector child (${mode}) exited with ${code ?? signal}: ${stderr.slice(-2_000)}`));
    });
  });

/** Row-by-row comparison of the ledger read tables of two databases. */
export const compareTables = async (pool: pg.Pool, cleanPool: pg.Pool): Promise<Comparison> => {
  const [got, want] = await Promise.all([ledgerRows(pool), ledgerRows(cleanPool)]);
  const mismatches: string[] = [];
  for (const table of ['users', 'transactions'] as const) {
    if (got[table].length !== want[table].length)
      mismatches.push(`${table}: ${got[table].length} rows, clean has ${want[table].length}`);
    const index = want[table].findIndex((row, i) => got[table][i] !== row);
    if (index >= 0) mismatches.push(`${table} row ${index}: ${got[table][index]} <> clean ${want[table][index]}`);
  }
  return { users: want.users.length, transactions: want.transactions.length, mismatches };
};

const killPhase = async (
  options: KillScenarioOptions,
  mode: 'run' | 'rebuild',
  kills: number,
  random: () => number,
): Promise<number> => {
  // Kill moments spread over the time a whole run takes, learnt from the runs that finished.
  let fullRunMs = 3_000;
  let killed = 0;
  for (let attempt = 0; killed < kills && attempt < kills * 3; attempt++) {
    const killAfterMs = Math.round(random() * fullRunMs);
    const run = await runChild(options, mode, killAfterMs);
    if (run.killed) killed += 1;
    else fullRunMs = Math.max(300, run.workMs);
    options.log?.(`${mode}: ${killed} of ${kills} kills (this run ${killAfterMs} ms)`);
  }
  await runChild(options, mode, undefined);
  return killed;
};

export const runKillScenario = async (options: KillScenarioOptions): Promise<KillScenarioResult> => {
  const { pool, cleanPool, seed } = options;
  const log = options.log ?? (() => undefined);
  await bulkAppend(pool, ledgerHistory({ users: options.users, events: options.events, seed }));
  log(`${options.events} events appended (seed ${seed})`);

  const store = new PostgresEventStore(pool);
  try {
    const clean = new ProjectorRunner({ store, pool: cleanPool, projection: ledgerProjection, idlePollMs: 10 });
    clean.start();
    const head = await store.headPosition();
    try {
      await projected(cleanPool, clean, head, { timeoutMs: CLEAN_PROJECTION_DEADLINE_MS });
    } finally {
      await clean.stop();
    }
    log('clean projection done');
  } finally {
    await store.close();
  }

  const random = seededRandom(seed);
  const projectorKilled = await killPhase(options, 'run', options.projectorKills, random);
  const afterProjector = await compareTables(pool, cleanPool);
  // Damage the live rows, so the rebuild is seen to replace them rather than keep them.
  await pool.query('UPDATE users SET credits = credits + 1 WHERE id % 5 = 0');
  const rebuildKilled = await killPhase(options, 'rebuild', options.rebuildKills, random);
  const afterRebuild = await compareTables(pool, cleanPool);
  return { seed, killed: { projector: projectorKilled, rebuild: rebuildKilled }, afterProjector, afterRebuild };
};
