import type pg from 'pg';
import { inTransaction } from './transaction.js';
import { isUnavailable } from './unavailable.js';
import { READ_MAX_COUNT, StoreUnavailable, type EventStore, type RecordedEvent } from '../core/eventstore/index.js';
import { advanceCheckpoint } from './checkpoints.js';
import { withoutHeld } from './quarantine.js';
import type { Projection, TableNames } from './types.js';

/**
 * Events per batch: one read, one transaction. Big enough that a rebuild amortises its round
 * trips, small enough that a batch's transaction stays short (it holds back the event store's
 * delivery horizon while it runs) and its arrays stay a few MB.
 */
export const BATCH_MAX_EVENTS = 5_000;

export interface Batch {
  /** The matching events after the checkpoint, in position order. */
  events: RecordedEvent[];
  /** Where the checkpoint goes once they are applied: past the skipped events too. */
  next: number;
}

/**
 * The next batch after `after`. The head is read first: everything at or below it is visible
 * for good, so when the (filtered) read comes back short, no matching event up to the head was
 * left out, and the checkpoint can move to the head even if none matched.
 */
export const readBatch = async (
  store: EventStore,
  projection: Projection,
  after: number,
  maxCount: number,
): Promise<Batch> => {
  const head = await store.headPosition();
  if (head <= after) return { events: [], next: after };
  const count = Math.min(maxCount, READ_MAX_COUNT);
  const events = await store.readAll({ ...projection.filter, after, maxCount: count });
  const last = events[events.length - 1]?.position ?? after;
  return { events, next: events.length === count ? last : Math.max(last, head) };
};

/** Applies a batch and moves the checkpoint `from` → `batch.next`, in one transaction. */
export const commitBatch = (
  pool: pg.Pool,
  projection: Projection,
  tables: TableNames,
  checkpoint: string,
  from: number,
  batch: Batch,
): Promise<void> =>
  inTransaction(pool, async (client) => {
    // The checkpoint row first (see checkpoints.ts for the lock order).
    await advanceCheckpoint(client, checkpoint, from, batch.next);
    // Events of a quarantined stream are held back (quarantine.ts); the checkpoint still moves past them.
    const events = await withoutHeld(client, projection.name, batch.events);
    if (events.length > 0) await projection.apply(client, events, tables);
  });

// SQLSTATEs worth retrying as they are: serialization failure, deadlock, lock or statement
// timeout, query canceled by an operator.
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);

/** A failure that says nothing about the events: the database or the store was away or busy. */
export const isTransient = (error: unknown): boolean => {
  if (error instanceof StoreUnavailable || isUnavailable(error)) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
};

/** Sleeps `ms`, or less when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });

/**
 * A batch failed for a reason other than the database being away. Applies its events one per
 * transaction, so the checkpoint stops right before the first one that fails, and returns that
 * event with its error (no event when each applies alone: the batch failed as a whole).
 * A transient failure on the way is rethrown.
 */
export const isolateFailure = async (
  pool: pg.Pool,
  projection: Projection,
  tables: TableNames,
  checkpoint: string,
  from: number,
  events: readonly RecordedEvent[],
): Promise<{ position: number; event?: RecordedEvent; error?: unknown }> => {
  let position = from;
  for (const event of events) {
    try {
      await commitBatch(pool, projection, tables, checkpoint, position, { events: [event], next: event.position });
    } catch (error) {
      if (isTransient(error)) throw error;
      return { position, event, error };
    }
    position = event.position;
  }
  return { position };
};
