/**
 * A projector in a process of its own, for tests that kill it (`kill -9`) at random moments.
 *   node --import=tsx test/support/projectorChild.ts <databaseUrl> rebuild|run|serve [batchSize] [writeEvents]
 * `rebuild`: rebuilds the ledger projection (resuming an unfinished one), prints its result and
 *   the process's peak RSS as JSON, and exits 0.
 * `run`: runs the ledger projector until it has passed the head of the log, and exits 0.
 * `serve`: runs the ledger projector until the process is stopped (SIGTERM).
 */
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool } from '../../adapters/postgres/index.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import { rebuildProjection } from '../../projections/rebuild.js';
import { ProjectorRunner } from '../../projections/runner.js';
import { projected } from './waitFor.js';

const [url, mode, batch, write] = process.argv.slice(2);
if (!url || !['rebuild', 'run', 'serve'].includes(mode ?? ''))
  throw new Error('usage: projectorChild.ts <databaseUrl> rebuild|run|serve [batchSize]');
const batchSize = batch ? Number(batch) : undefined;
const writeEvents = write ? Number(write) : undefined;
const pool = createPool(url, { max: 4 });
const store = new PostgresEventStore(pool);
// The parent times its kill from here, not from the process start (loading TypeScript takes a while).
process.stdout.write('ready\n');

if (mode === 'rebuild') {
  const result = await rebuildProjection({
    store,
    pool,
    projection: ledgerProjection,
    ...(batchSize ? { batchSize } : {}),
    ...(writeEvents ? { writeEvents } : {}),
  });
  // maxRSS is in KiB: the peak of this whole process, which did nothing but the rebuild.
  process.stdout.write(
    `${JSON.stringify({ ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
  );
} else if (mode === 'serve') {
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection });
  runner.start();
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await runner.stop();
} else {
  const runner = new ProjectorRunner({
    store,
    pool,
    projection: ledgerProjection,
    idlePollMs: 10,
    ...(batchSize ? { batchSize } : {}),
  });
  runner.start();
  const head = await store.headPosition();
  // No deadline of its own: the parent kills it, or the test's timeout ends it.
  await projected(pool, runner, head, { timeoutMs: Number.POSITIVE_INFINITY }).catch(async (error: unknown) => {
    await runner.stop();
    throw error;
  });
  await runner.stop();
  process.stdout.write(`${JSON.stringify({ position: head })}\n`);
}
await store.close();
await pool.end();
