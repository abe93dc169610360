import t from 'tap';
import { readCheckpoint } from './checkpoints.js';
import { testDatabase } from '../test/support/database.js';
import { runKillScenario } from '../test/support/killScenario.js';

/**
 * kill -9 of the projector, then of a rebuild, at random moments, several times each; after the
 * last restart the tables must equal a clean projection row by row. The seed is printed; run
 * again with KILL_SEED=<seed> to replay the same kill moments. The size is chosen to stay under
 * a minute on two shared cores; test/stress/projectionsKill.ts runs 100k events and many more kills.
 */
const seed = Number(process.env.KILL_SEED ?? Math.floor(Math.random() * 1e9));
const events = Number(process.env.KILL_EVENTS ?? 30_000);

t.test(`kill -9 during projection and rebuild (${events} events, seed ${seed})`, { timeout: 240_000 }, async (t) => {
  t.comment(`seed ${seed}: replay with KILL_SEED=${seed}`);
  const { pool, url } = await testDatabase(t);
  const { pool: cleanPool } = await testDatabase(t);
  const result = await runKillScenario({
    pool,
    url,
    cleanPool,
    events,
    users: events / 10,
    projectorKills: 3,
    rebuildKills: 4,
    seed,
    batchSize: 1_000,
    log: (line) => t.comment(line),
  });
  t.ok(result.killed.projector >= 2, `the projector was killed mid-run ${result.killed.projector} times`);
  t.ok(result.killed.rebuild >= 3, `the rebuild was killed mid-run ${result.killed.rebuild} times`);
  t.same(
    result.afterProjector.mismatches,
    [],
    `after the projector's restarts: ${result.afterProjector.users} users, ` +
      `${result.afterProjector.transactions} transactions, identical`,
  );
  t.same(result.afterRebuild.mismatches, [], `after the rebuild's restarts: identical again (seed ${seed})`);
  t.equal(await readCheckpoint(pool, 'ledger__rebuild'), undefined, 'no unfinished rebuild is left');
  const leftovers = await pool.query(
    `SELECT relname FROM pg_class WHERE relname LIKE '%\\_\\_rebuild' OR relname LIKE '%\\_\\_rb'`,
  );
  t.same(leftovers.rows, [], 'no shadow table or index is left');
});
