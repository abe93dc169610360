import type pg from 'pg';
import { inTransaction } from '../adapters/postgres/index.js';
import type { EventStore } from '../core/eventstore/index.js';
import { ConnectionLock } from './advisoryLock.js';
import { BATCH_MAX_EVENTS, commitBatch, isolateFailure, isTransient, readBatch, sleep, type Batch } from './batches.js';
import { advanceCheckpoint, lockCheckpoint, readCheckpoint, rebuildCheckpointName, setCheckpoint } from './checkpoints.js';
import { ProjectionFailed } from './errors.js';
import { createShadowTables, finishShadowTables, shadowsMatch, shadowTables, swapShadowTables } from './shadowTables.js';
import type { Projection } from './types.js';

/**
 * Rebuilds a projection from the first event without taking its tables away: the shadow tables
 * (shadowTables.ts) are filled batch by batch, each batch with the shadow's own checkpoint
 * (`<name>__rebuild`) in one transaction, while the live projector keeps serving the old tables.
 * Then, in ONE transaction: take the live checkpoint row (the live projector waits), bring the
 * shadow up to the head, swap the tables, set the live checkpoint to the shadow's position.
 *
 * A rebuild killed at any moment resumes where its last batch committed: every step is one
 * transaction or idempotent. One rebuild per projection at a time (an advisory lock).
 */

export interface RebuildOptions {
  store: EventStore;
  pool: pg.Pool;
  projection: Projection;
  batchSize?: number;
  log?: (line: string) => void;
  /** Throw away a shadow left by an earlier, unfinished rebuild instead of resuming it. */
  fresh?: boolean;
}

export interface RebuildResult {
  projection: string;
  /** The live checkpoint after the swap. */
  position: number;
  /** Events applied by this run (a resumed run does not count what the earlier one did). */
  appliedEvents: number;
  resumedFrom: number | null;
  seconds: number;
}

/** How long a rebuild waits for another rebuild of the same projection to end, ms. */
export const REBUILD_LOCK_WAIT_MS = 10_000;
/** Swap attempts when readers hold the live tables longer than the swap's lock timeout. */
export const SWAP_ATTEMPTS = 3;
const PROGRESS_EVERY_EVENTS = 100_000;

const acquire = async (lock: ConnectionLock, name: string): Promise<void> => {
  const deadline = Date.now() + REBUILD_LOCK_WAIT_MS;
  while (!(await lock.tryAcquire())) {
    if (Date.now() > deadline) throw new Error(`a rebuild of ${name} is already running`);
    await sleep(200);
  }
};

/** The position to fill from: the unfinished shadow's, or 0 on freshly created shadows. */
const prepareShadow = async (pool: pg.Pool, projection: Projection, fresh: boolean): Promise<number | null> =>
  inTransaction(pool, async (client) => {
    const name = rebuildCheckpointName(projection.name);
    const checkpoint = await readCheckpoint(client, name);
    if (checkpoint && !fresh && (await shadowsMatch(client, projection.tables))) return checkpoint.position;
    await createShadowTables(client, projection.tables, projection.rebuildIndexes);
    await setCheckpoint(client, name, 0);
    return null;
  });

interface Fill {
  position: number;
  applied: number;
}

/** Fills the shadow in committed batches until a batch finds nothing new. */
const fillShadow = async (options: RebuildOptions, from: number, log: (line: string) => void): Promise<Fill> => {
  const { store, pool, projection } = options;
  const batchSize = options.batchSize ?? BATCH_MAX_EVENTS;
  const tables = shadowTables(projection.tables);
  const checkpoint = rebuildCheckpointName(projection.name);
  const fill: Fill = { position: from, applied: 0 };
  let next: Promise<Batch> = readBatch(store, projection, from, batchSize);
  for (;;) {
    const batch = await next;
    if (batch.next === fill.position) return fill;
    // Read the next batch while this one is written.
    next = readBatch(store, projection, batch.next, batchSize);
    next.catch(() => undefined);
    try {
      await commitBatch(pool, projection, tables, checkpoint, fill.position, batch);
    } catch (error) {
      if (isTransient(error) || batch.events.length === 0) throw error;
      const isolated = await isolateFailure(pool, projection, tables, checkpoint, fill.position, batch.events);
      throw new ProjectionFailed(`${projection.name} (rebuild)`, isolated.event, isolated.error ?? error);
    }
    const before = fill.applied;
    fill.position = batch.next;
    fill.applied += batch.events.length;
    if (Math.floor(fill.applied / PROGRESS_EVERY_EVENTS) > Math.floor(before / PROGRESS_EVERY_EVENTS)) {
      log(`rebuild ${projection.name}: ${fill.applied} events applied, at position ${fill.position}`);
    }
  }
};

/**
 * The swap transaction. Holding the live checkpoint row, it brings the shadow up to the head as
 * it is now (at least to the live checkpoint), so no event is lost between the two.
 */
const swap = async (options: RebuildOptions, fill: Fill): Promise<number> => {
  const { store, pool, projection } = options;
  const tables = shadowTables(projection.tables);
  const shadowCheckpoint = rebuildCheckpointName(projection.name);
  return inTransaction(pool, async (client) => {
    const live = await lockCheckpoint(client, projection.name);
    const target = Math.max(live, await store.headPosition());
    let position = (await readCheckpoint(client, shadowCheckpoint))?.position ?? 0;
    while (position < target) {
      const batch = await readBatch(store, projection, position, options.batchSize ?? BATCH_MAX_EVENTS);
      if (batch.next === position) throw new Error(`rebuild ${projection.name}: the log ends at ${position}, before ${target}`);
      await advanceCheckpoint(client, shadowCheckpoint, position, batch.next);
      if (batch.events.length > 0) await projection.apply(client, batch.events, tables);
      fill.applied += batch.events.length;
      position = batch.next;
    }
    await swapShadowTables(client, projection.tables);
    await setCheckpoint(client, projection.name, position);
    await client.query('DELETE FROM projection_checkpoints WHERE name = $1', [shadowCheckpoint]);
    return position;
  });
};

export const rebuildProjection = async (options: RebuildOptions): Promise<RebuildResult> => {
  const { pool, projection } = options;
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const lock = new ConnectionLock(pool, rebuildCheckpointName(projection.name));
  await acquire(lock, projection.name);
  try {
    const resumedFrom = await prepareShadow(pool, projection, options.fresh ?? false);
    log(resumedFrom === null ? `rebuild ${projection.name}: shadow tables created` : `rebuild ${projection.name}: resuming from position ${resumedFrom}`);
    const fill = await fillShadow(options, resumedFrom ?? 0, log);
    await inTransaction(pool, (client) => finishShadowTables(client, projection.tables));
    const caughtUp = await fillShadow(options, fill.position, log);
    fill.applied += caughtUp.applied;
    let position = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        position = await swap(options, fill);
        break;
      } catch (error) {
        // 55P03: readers held the live tables past the swap's lock timeout. Try again.
        if ((error as { code?: string }).code !== '55P03' || attempt >= SWAP_ATTEMPTS) throw error;
        log(`rebuild ${projection.name}: the live tables are busy, swap attempt ${attempt + 1}`);
      }
    }
    log(`rebuild ${projection.name}: swapped in at position ${position}`);
    return { projection: projection.name, position, appliedEvents: fill.applied, resumedFrom, seconds: (performance.now() - started) / 1000 };
  } finally {
    await lock.release();
  }
};
