import type pg from 'pg';
import { inTransaction } from './transaction.js';
import type { EventStore } from '../core/eventstore/index.js';
import { ConnectionLock } from './advisoryLock.js';
import { BATCH_MAX_EVENTS, commitBatch, isolateFailure, isTransient, readBatch, sleep, type Batch } from './batches.js';
import {
  advanceCheckpoint,
  lockCheckpoint,
  readCheckpoint,
  rebuildCheckpointName,
  setCheckpoint,
} from './checkpoints.js';
import { ProjectionFailed, UnprojectableEvent } from './errors.js';
import { quarantineStream, withoutHeld } from './quarantine.js';
import {
  createShadowTables,
  finishShadowTables,
  shadowsEmpty,
  shadowsMatch,
  shadowTables,
  swapShadowTables,
} from './shadowTables.js';
import type { Projection } from './types.js';

/**
 * Rebuilds a projection from the first event without taking its tables away: the shadow tables
 * (shadowTables.ts) are filled while the live projector keeps serving the old ones, each write
 * in one transaction with the shadow's own checkpoint (`<name>__rebuild`). A projection with an
 * accumulator folds many reads into each write (and the next reads run while a write does);
 * one without is written batch by batch. Then, in ONE transaction: take the live checkpoint row
 * (the live projector waits), bring the shadow up to the head, swap the tables, set the live
 * checkpoint to the shadow's position.
 *
 * A rebuild killed at any moment resumes where its last write committed: every step is one
 * transaction or idempotent. One rebuild per projection at a time (an advisory lock).
 */

export interface RebuildOptions {
  store: EventStore;
  pool: pg.Pool;
  projection: Projection;
  /**
   * Events per read (and per transaction where there is no accumulator); default
   * BATCH_MAX_EVENTS, REBUILD_READ_EVENTS when folding.
   */
  batchSize?: number;
  log?: (line: string) => void;
  /** Throw away a shadow left by an earlier, unfinished rebuild instead of resuming it. */
  fresh?: boolean;
  /** Events per write when the projection has an accumulator; default REBUILD_WRITE_EVENTS. */
  writeEvents?: number;
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
/**
 * Events folded in memory per write of a rebuild (with an accumulator). Bigger means fewer row
 * writes (each user's row once per write), more memory (the ledger's plan holds about 140 bytes
 * of COPY data per event outside the heap and an object per user it touches; two plans are
 * alive while a write runs) and more work lost to a crash (the rebuild resumes from the last
 * write). Measured on 1M events: 200k per write was no faster than 100k, with 40 MB more RSS.
 */
export const REBUILD_WRITE_EVENTS = 100_000;
/**
 * Events per read when they are folded (through an accumulator). Smaller than a projector's
 * batch: a read's events are alive from their parsing to their fold, and what is alive when the
 * young generation is collected gets copied, then promoted and collected again. Measured on a
 * 1M-event ledger rebuild with a 180 MB heap: 2k per read took 10-15% less CPU in Node than 5k,
 * and 1k no less than 2k (more round trips).
 */
export const REBUILD_READ_EVENTS = 2_000;

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
    const usable =
      checkpoint &&
      !fresh &&
      (await shadowsMatch(client, projection.tables)) &&
      !(checkpoint.position > 0 && (await shadowsEmpty(client, projection.tables)));
    if (usable) return checkpoint.position;
    await createShadowTables(client, projection.tables, {
      fillIndexes: projection.rebuildIndexes,
      logged: projection.rebuildLogged ?? false,
    });
    await setCheckpoint(client, name, 0);
    return null;
  });

interface Fill {
  position: number;
  applied: number;
}

const PROGRESS_EVERY_EVENTS = 100_000;

const progress = (log: (line: string) => void, name: string, before: number, fill: Fill): void => {
  if (Math.floor(fill.applied / PROGRESS_EVERY_EVENTS) > Math.floor(before / PROGRESS_EVERY_EVENTS)) {
    log(`rebuild ${name}: ${fill.applied} events applied, at position ${fill.position}`);
  }
};

/** Shadow batches one transaction each, up to `until` (default: until a batch finds nothing new). */
const fillByBatches = async (
  options: RebuildOptions,
  from: number,
  until: number | undefined,
  log: (line: string) => void,
): Promise<Fill> => {
  const { store, pool, projection } = options;
  const batchSize = options.batchSize ?? BATCH_MAX_EVENTS;
  const tables = shadowTables(projection.tables);
  const checkpoint = rebuildCheckpointName(projection.name);
  const fill: Fill = { position: from, applied: 0 };
  const bounded = (batch: Batch): Batch =>
    until === undefined
      ? batch
      : { events: batch.events.filter((e) => e.position <= until), next: Math.min(batch.next, until) };
  let next: Promise<Batch> = readBatch(store, projection, from, batchSize).then(bounded);
  for (;;) {
    const batch = await next;
    if (batch.next === fill.position) return fill;
    // Read the next batch while this one is written.
    next = readBatch(store, projection, batch.next, batchSize).then(bounded);
    next.catch(() => undefined);
    try {
      await commitBatch(pool, projection, tables, checkpoint, fill.position, batch);
    } catch (error) {
      if (isTransient(error) || batch.events.length === 0) throw error;
      const isolated = await isolateFailure(pool, projection, tables, checkpoint, fill.position, batch.events);
      if (!isolated.event)
        throw new ProjectionFailed(`${projection.name} (rebuild)`, undefined, isolated.error ?? error);
      // As the live projector does: quarantine the stream, hold it back, go on with the others.
      const reason = (isolated.error as Error)?.message ?? String(isolated.error);
      await quarantineStream(pool, projection.name, isolated.event, reason);
      const { stream, position } = isolated.event;
      log(`rebuild ${projection.name}: ${stream} quarantined at position ${position}: ${reason}`);
      fill.position = isolated.position;
      next = readBatch(store, projection, fill.position, batchSize).then(bounded);
      next.catch(() => undefined);
      continue;
    }
    fill.position = batch.next;
    fill.applied += batch.events.length;
    progress(log, projection.name, fill.applied - batch.events.length, fill);
  }
};

/** The rest of a fill batch by batch from `written`, after `applied` events already written. */
const goOnByBatches = async (
  options: RebuildOptions,
  log: (line: string) => void,
  written: number,
  applied: number,
): Promise<Fill> => {
  const rest = await fillByBatches(options, written, undefined, log);
  return { position: rest.position, applied: applied + rest.applied };
};

/**
 * After a failed accumulator write: a transient failure ends the rebuild (it resumes); any other
 * goes on batch by batch from the last write, which names the event.
 */
const afterFailedWrite = async (
  options: RebuildOptions,
  log: (line: string) => void,
  failed: unknown,
  written: number,
  applied: number,
): Promise<Fill> => {
  if (isTransient(failed)) throw failed;
  log(
    `rebuild ${options.projection.name}: a write failed (${(failed as Error).message}); ` +
      `going on batch by batch from ${written}`,
  );
  return goOnByBatches(options, log, written, applied);
};

/**
 * Fills the shadow through the projection's accumulator: many reads folded in memory, one
 * transaction (rows and shadow checkpoint) per `writeEvents`, each write running while the next
 * events are read and folded. A write that fails for another reason than the database being
 * away sends the rest of the fill down the batch-by-batch path, which names the event.
 */
const fillShadow = async (options: RebuildOptions, from: number, log: (line: string) => void): Promise<Fill> => {
  const { store, pool, projection } = options;
  if (!projection.accumulator) return fillByBatches(options, from, undefined, log);
  const checkpoint = rebuildCheckpointName(projection.name);
  const accumulator = await projection.accumulator(pool, shadowTables(projection.tables));
  const batchSize = options.batchSize ?? REBUILD_READ_EVENTS;
  const fill: Fill = { position: from, applied: 0 };
  let written = from;
  // The write in flight; it never rejects: it resolves to its error, and every later write to that.
  let writing: Promise<unknown> = Promise.resolve(undefined);
  const startWrite = () => {
    const [start, end, events, write] = [written, fill.position, accumulator.pendingEvents, accumulator.take()];
    writing = writing.then(async (failed) => {
      if (failed) return failed;
      try {
        await inTransaction(pool, async (client) => {
          await advanceCheckpoint(client, checkpoint, start, end);
          await write(client);
        });
      } catch (error) {
        return error;
      }
      written = end;
      fill.applied += events;
      progress(log, projection.name, fill.applied - events, { position: end, applied: fill.applied });
      return undefined;
    });
  };
  let next: Promise<Batch> = readBatch(store, projection, from, batchSize);
  for (;;) {
    let batch: Batch;
    try {
      batch = await next;
    } catch (error) {
      await writing;
      throw error;
    }
    const caughtUp = batch.next === fill.position;
    if (!caughtUp) {
      next = readBatch(store, projection, batch.next, batchSize);
      next.catch(() => undefined);
      try {
        accumulator.add(await withoutHeld(pool, projection.name, batch.events));
      } catch (error) {
        const failed = await writing;
        if (!(error instanceof UnprojectableEvent)) throw error;
        // The batch path names the event and quarantines its stream; it goes on from the last write.
        log(`rebuild ${projection.name}: ${error.message}; going on batch by batch from ${written}`);
        if (failed) return afterFailedWrite(options, log, failed, written, fill.applied);
        return goOnByBatches(options, log, written, fill.applied);
      }
      fill.position = batch.next;
    }
    const due =
      accumulator.pendingEvents >= (options.writeEvents ?? REBUILD_WRITE_EVENTS) ||
      (caughtUp && fill.position > written);
    if (due) {
      // One write in flight at a time: the previous one ends before the next starts.
      const failed = await writing;
      if (failed) return afterFailedWrite(options, log, failed, written, fill.applied);
      startWrite();
    }
    if (caughtUp) {
      const failed = await writing;
      return failed ? afterFailedWrite(options, log, failed, written, fill.applied) : fill;
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
      if (batch.next === position)
        throw new Error(`rebuild ${projection.name}: the log ends at ${position}, before ${target}`);
      await advanceCheckpoint(client, shadowCheckpoint, position, batch.next);
      const events = await withoutHeld(client, projection.name, batch.events);
      if (events.length > 0) await projection.apply(client, events, tables);
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
    log(
      resumedFrom === null
        ? `rebuild ${projection.name}: shadow tables created`
        : `rebuild ${projection.name}: resuming from position ${resumedFrom}`,
    );
    const fill = await fillShadow(options, resumedFrom ?? 0, log);
    log(`rebuild ${projection.name}: filled to position ${fill.position}; building the remaining indexes`);
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
    return {
      projection: projection.name,
      position,
      appliedEvents: fill.applied,
      resumedFrom,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await lock.release();
  }
};
