import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { WrongExpectedRevision, type EventStore, type NewEvent } from '../../../core/eventstore/index.js';

/** A contended writer gives up on one append after this many conflicts in a row. */
export const CONTENDED_MAX_RETRIES = 100;
export const READ_BATCH_SIZE = 1_000;

export interface Throughput {
  perSecond: number;
  count: number;
  conflicts?: number;
}

/** A payload shaped like a ledger event (a reservation), about 200 bytes of JSON. */
export const benchEvent = (): NewEvent => ({
  id: randomUUID(),
  type: 'CreditsReserved',
  data: { reservationId: randomUUID(), credits: 3, purpose: 'tryon', expiresAt: '2025-01-02T03:09:05.000Z' },
  metadata: { occurredAt: new Date().toISOString(), actor: 'system:bench' },
});

/** Runs `writers` loops of `step` until `durationMs` has passed; returns completed steps per second. */
const timed = async (
  writers: number,
  durationMs: number,
  step: (writer: number) => Promise<void>,
): Promise<Throughput> => {
  let count = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      while (performance.now() < deadline) {
        await step(writer);
        count += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, count };
};

export const RAW_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, data json NOT NULL)';

/** The baseline: one single-row INSERT per transaction (autocommit), same payload size. */
export const rawInserts = (pool: pg.Pool, writers: number, durationMs: number): Promise<Throughput> =>
  timed(writers, durationMs, async () => {
    await pool.query('INSERT INTO bench_raw (data) VALUES ($1)', [JSON.stringify(benchEvent().data)]);
  });

/** Each writer appends one event at a time to its own stream, with the exact expected revision. */
export const appends = (store: EventStore, writers: number, durationMs: number, runId: string): Promise<Throughput> => {
  const revisions = new Array<number | 'no_stream'>(writers).fill('no_stream');
  return timed(writers, durationMs, async (writer) => {
    const stream = `bench-${runId}-w${writer}`;
    const result = await store.appendToStream(stream, [benchEvent()], { expected: revisions[writer]! });
    revisions[writer] = result.revision;
  });
};

/**
 * Writers share `streams` streams. Each keeps its own idea of every stream's revision (as a
 * command handler would after loading it), and on a conflict retries at the revision the store
 * reports: the cost of optimistic concurrency under contention.
 */
export const contendedAppends = async (
  store: EventStore,
  writers: number,
  streams: number,
  durationMs: number,
  runId: string,
): Promise<Throughput> => {
  let conflicts = 0;
  const known = Array.from({ length: writers }, () => new Array<number | 'no_stream'>(streams).fill('no_stream'));
  const counters = new Array<number>(writers).fill(0);
  const result = await timed(writers, durationMs, async (writer) => {
    const slot = (writer + counters[writer]!++) % streams;
    const stream = `benchc-${runId}-s${slot}`;
    const event = benchEvent();
    for (let attempt = 0; attempt <= CONTENDED_MAX_RETRIES; attempt++) {
      try {
        known[writer]![slot] = (
          await store.appendToStream(stream, [event], { expected: known[writer]![slot]! })
        ).revision;
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        conflicts += 1;
        known[writer]![slot] = error.actual;
      }
    }
    throw new Error(`contended append to ${stream} failed ${CONTENDED_MAX_RETRIES} times`);
  });
  return { ...result, conflicts };
};

/** Appends `total` events in large batches over 100 streams, for the read benchmark. */
export const seedEvents = async (store: EventStore, total: number, runId: string): Promise<void> => {
  const perAppend = 1_000;
  for (let written = 0, n = 0; written < total; written += perAppend, n++) {
    const events = Array.from({ length: Math.min(perAppend, total - written) }, benchEvent);
    await store.appendToStream(`benchr-${runId}-s${n}`, events, { expected: 'no_stream' });
  }
};

/** Reads `total` events after `after` through readAll in batches; events per second. */
export const readAllThroughput = async (store: EventStore, after: number, total: number): Promise<Throughput> => {
  const started = performance.now();
  let read = 0;
  let position = after;
  while (read < total) {
    const batch = await store.readAll({ after: position, maxCount: Math.min(READ_BATCH_SIZE, total - read) });
    if (batch.length === 0) throw new Error(`readAll ran dry after ${read} of ${total} events`);
    read += batch.length;
    position = batch[batch.length - 1]!.position;
  }
  return { perSecond: read / ((performance.now() - started) / 1000), count: read };
};
