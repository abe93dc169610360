import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool, migrate, startEmbeddedPostgres } from '../../adapters/postgres/index.js';
import { LEDGER_PROJECTION, startProjectors } from '../../projections/index.js';
import { liveLag, readAllThroughput, REBUILD_NODE_OPTIONS, rebuildInChild, seedHistory } from './projections/cases.js';
import { compared, median, percentile, report, type BenchReport, type Figure } from './report.js';

const LIVE_USERS_MIN = 1_000;

/** The size; BENCH_PROJECTIONS_EVENTS scales it down for a quick look (users = events / 10). */
export const EVENTS = Number(process.env.BENCH_PROJECTIONS_EVENTS ?? 1_000_000);
export const USERS = Math.max(LIVE_USERS_MIN, Math.round(EVENTS / 10));
export const REBUILD_GOAL_EVENTS_PER_S = 50_000;
export const REBUILD_GOAL_PEAK_RSS_MB = 300;
export const LIVE_COMMANDS_PER_S = 500;
export const LIVE_WARMUP_MS = 3_000;
export const LIVE_MEASURE_MS = 20_000;
const LIVE_USERS = Math.min(5_000, USERS);
export const LIVE_LAG_GOAL_P99_MS = 250;

const rounded = (value: number, digits = 0): number => Number(value.toFixed(digits));

type LiveLag = Awaited<ReturnType<typeof liveLag>>;

/** Live lag under the command load, after a warm-up, with the projectors in this process. */
const measureLiveLag = async (store: PostgresEventStore, pool: ReturnType<typeof createPool>): Promise<LiveLag> => {
  // In this process, next to the command load: as `npm start` runs the projector role
  // alongside the API that takes the commands.
  const projectors = startProjectors({ store, pool });
  let live: LiveLag;
  try {
    const userIds = Array.from({ length: LIVE_USERS }, (_, i) => 1_000_000 + i * Math.floor(USERS / LIVE_USERS));
    await liveLag(store, pool, {
      userIds,
      ratePerSecond: LIVE_COMMANDS_PER_S,
      durationMs: LIVE_WARMUP_MS,
      projection: LEDGER_PROJECTION,
      runId: 'warmup',
    });
    live = await liveLag(store, pool, {
      userIds,
      ratePerSecond: LIVE_COMMANDS_PER_S,
      durationMs: LIVE_MEASURE_MS,
      projection: LEDGER_PROJECTION,
      runId: 'measure',
    });
  } finally {
    await projectors.stop();
  }
  return live;
};

/** The suite's figures: read_all, the rebuild against it, and the live lag. */
const projectionsFigures = (
  readAll: Figure,
  rebuild: Awaited<ReturnType<typeof rebuildInChild>>,
  live: LiveLag,
): Figure[] => {
  const rebuildPerSecond = rounded(rebuild.appliedEvents / rebuild.seconds);
  const p99 = rounded(percentile(live.lagsMs, 99), 1);
  return [
    readAll,
    {
      ...compared({ name: 'rebuild_events_per_s', value: rebuildPerSecond, unit: 'events/s' }, readAll, {}),
      goal: `>= ${REBUILD_GOAL_EVENTS_PER_S} events/s`,
      met: rebuildPerSecond >= REBUILD_GOAL_EVENTS_PER_S,
      events: rebuild.appliedEvents,
      users: USERS,
      seconds: rounded(rebuild.seconds, 2),
    },
    {
      name: 'rebuild_peak_rss_mb',
      value: rebuild.peakRssMb,
      unit: 'MB',
      goal: `< ${REBUILD_GOAL_PEAK_RSS_MB}`,
      met: rebuild.peakRssMb < REBUILD_GOAL_PEAK_RSS_MB,
      nodeOptions: REBUILD_NODE_OPTIONS,
    },
    { name: 'live_lag_ms_p50', value: rounded(median(live.lagsMs), 1), unit: 'ms' },
    {
      name: 'live_lag_ms_p99',
      value: p99,
      unit: 'ms',
      goal: `< ${LIVE_LAG_GOAL_P99_MS}`,
      met: p99 < LIVE_LAG_GOAL_P99_MS,
      commandsPerSecond: rounded(live.commandsPerSecond),
      targetCommandsPerSecond: LIVE_COMMANDS_PER_S,
      commands: live.commands,
      appendsTimed: live.lagsMs.length,
      rejected: live.rejected,
      skipped: live.skipped,
      failed: live.failed,
    },
  ];
};

/**
 * The projections suite, on a durable embedded PostgreSQL started for the run:
 * - a full rebuild of the ledger read tables from 1M events (purchases, holds, captures,
 *   releases, clawbacks over 100k users), in a process of its own (`projections rebuild`), against
 *   `read_all` of the same log in the same run; its peak RSS;
 * - live lag: from the start of an append to the moment the projector has committed it to
 *   `users`, under a steady 500 commands/s through the ledger's command handler in the same
 *   process (as `npm start` runs the projector next to the API).
 */
export async function run(options: { log?: (s: string) => void } = {}): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-bench-projections-'));
  const server = await startEmbeddedPostgres({ dataDir, durable: true });
  const pool = createPool(server.url, { max: 24, applicationName: 'modera-bench' });
  const store = new PostgresEventStore(pool);
  try {
    await migrate(pool);
    log(`seeding ${EVENTS} events over ${USERS} users`);
    await seedHistory(pool, EVENTS, USERS, log);
    await pool.query('VACUUM ANALYZE events');

    const readAll: Figure = {
      name: 'read_all',
      value: rounded(await readAllThroughput(store, EVENTS)),
      unit: 'events/s',
    };
    log(`read_all: ${readAll.value} events/s`);
    const rebuild = await rebuildInChild(server.url);
    log(
      `rebuild: ${rebuild.appliedEvents} events in ${rounded(rebuild.seconds, 1)} s, peak RSS ${rebuild.peakRssMb} MB`,
    );

    const live = await measureLiveLag(store, pool);
    const p99 = rounded(percentile(live.lagsMs, 99), 1);
    log(`live: ${rounded(live.commandsPerSecond)} commands/s, ${live.lagsMs.length} appends timed, p99 ${p99} ms`);

    return report('projections', 'postgres', projectionsFigures(readAll, rebuild, live));
  } finally {
    await store.close();
    await pool.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
