import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool, migrate, startEmbeddedPostgres } from '../../adapters/postgres/index.js';
import { compared, median, report, type BenchReport, type Figure } from './report.js';
import {
  RAW_TABLE_SQL,
  appends,
  contendedAppends,
  rawInserts,
  READ_BATCH_SIZE,
  readAllThroughput,
  seedEvents,
  type Throughput,
} from './eventstore/cases.js';

/** Each case runs this long per round; rounds interleave the cases so drift hits them alike. */
export const ROUND_MS = 2_000;
export const ROUNDS = 5;
export const WRITERS = 16;
export const CONTENDED_STREAMS = 10;
export const READ_EVENTS = 100_000;
export const READ_ROUNDS = 3;
export const APPEND_GOAL_RATIO = 0.75;
export const READ_GOAL_EVENTS_PER_S = 100_000;
// 16 writers, the commit notifier and a reader, with room to spare.
const POOL_MAX = WRITERS + 4;

type Case = { name: string; unit: string; measure: (round: number) => Promise<Throughput> };

const rounded = (value: number): number => Math.round(value);

/** The write cases, interleaved round by round; medians per case. */
const measureWrites = async (pool: pg.Pool, store: PostgresEventStore, runId: string, log: (s: string) => void) => {
  const cases: Case[] = [
    { name: 'raw_insert_1_writer', unit: 'rows/s', measure: () => rawInserts(pool, 1, ROUND_MS) },
    { name: 'append_1_writer', unit: 'events/s', measure: (r) => appends(store, 1, ROUND_MS, `${runId}a${r}`) },
    { name: 'raw_insert_16_writers', unit: 'rows/s', measure: () => rawInserts(pool, WRITERS, ROUND_MS) },
    { name: 'append_16_writers', unit: 'events/s', measure: (r) => appends(store, WRITERS, ROUND_MS, `${runId}b${r}`) },
    {
      name: 'append_16_writers_contended',
      unit: 'events/s',
      measure: (r) => contendedAppends(store, WRITERS, CONTENDED_STREAMS, ROUND_MS, `${runId}c${r}`),
    },
  ];
  const samples = new Map<string, Throughput[]>(cases.map((c) => [c.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of cases) {
      const result = await c.measure(round);
      samples.get(c.name)!.push(result);
      log(`round ${round} ${c.name}: ${rounded(result.perSecond)} ${c.unit}`);
    }
  }
  const [raw1, append1, raw16, append16, contended] = cases.map((c): Figure => ({
    name: c.name,
    value: rounded(median(samples.get(c.name)!.map((s) => s.perSecond))),
    unit: c.unit,
  })) as [Figure, Figure, Figure, Figure, Figure];
  const conflicts = rounded(median(samples.get('append_16_writers_contended')!.map((s) => s.conflicts ?? 0)));
  return [
    raw1,
    raw16,
    // The goal is on 16 writers. One writer gets nothing from group commit: this shows
    // what an append costs over a bare INSERT (the streams row, three more indexes, the mutex).
    { ...compared(append1, raw1, {}), goal: 'none (the per-append cost with one writer)', met: true },
    compared(append16, raw16, { minRatio: APPEND_GOAL_RATIO }),
    // Conflicts under contention are the point of this figure: it has no pass mark of its own.
    {
      ...compared(contended, raw16, {}),
      goal: 'none (shows the cost of conflicts)',
      met: true,
      conflicts,
      conflictsUnit: `per ${ROUND_MS} ms round (median)`,
    },
  ];
};

/** readAll over READ_EVENTS freshly appended events, in batches, a few times; the median. */
const measureReads = async (store: PostgresEventStore, runId: string, log: (s: string) => void): Promise<Figure> => {
  log(`seeding ${READ_EVENTS} events for read_all`);
  const before = await store.headPosition();
  await seedEvents(store, READ_EVENTS, runId);
  const reads: number[] = [];
  for (let round = 1; round <= READ_ROUNDS; round++) {
    const result = await readAllThroughput(store, before, READ_EVENTS);
    reads.push(result.perSecond);
    log(`round ${round} read_all: ${rounded(result.perSecond)} events/s`);
  }
  const value = rounded(median(reads));
  return {
    name: 'read_all',
    value,
    unit: 'events/s',
    batchSize: READ_BATCH_SIZE,
    goal: `>= ${READ_GOAL_EVENTS_PER_S}`,
    met: value >= READ_GOAL_EVENTS_PER_S,
  };
};

/**
 * The eventstore suite: appends and reads of the PostgreSQL backend against plain INSERTs on the
 * same durable server (fsync and synchronous_commit at their defaults), started just for this run.
 */
export async function run(options: { log?: (s: string) => void } = {}): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-bench-eventstore-'));
  const server = await startEmbeddedPostgres({ dataDir, durable: true });
  const pool = createPool(server.url, { max: POOL_MAX, applicationName: 'modera-bench' });
  const store = new PostgresEventStore(pool);
  try {
    await migrate(pool);
    await pool.query(RAW_TABLE_SQL);
    const runId = randomBytes(4).toString('hex');
    const writes = await measureWrites(pool, store, runId, log);
    const reads = await measureReads(store, runId, log);
    return report('eventstore', 'postgres', [...writes, reads]);
  } finally {
    await store.close();
    await pool.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
