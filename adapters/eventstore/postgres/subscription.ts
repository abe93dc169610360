import {
  READ_MAX_COUNT,
  StoreUnavailable,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../../core/eventstore/index.js';
import type { ChangeListener } from './changeListener.js';

export const SUBSCRIBE_DEFAULT_BATCH_SIZE = 500;
/** Reads that fail because the database is unreachable are retried this many times, then thrown. */
export const SUBSCRIBE_READ_MAX_ATTEMPTS = 8;
export const SUBSCRIBE_RETRY_MIN_MS = 100;
export const SUBSCRIBE_RETRY_MAX_MS = 5_000;

export interface Batch {
  events: RecordedEvent[];
  /** Highest position below the late-commit horizon, from the same snapshot as `events`. */
  head: number;
}

export interface SubscriptionDeps {
  readBatch(after: number, options: SubscribeOptions, limit: number): Promise<Batch>;
  listener: ChangeListener;
  pollIntervalMs: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

/**
 * Catch-up then live: read batches with readAll's rule until one is not full, then wait for a
 * notification (or the fallback poll: a lost notification, or a transaction that held the
 * horizon back and ended without notifying, must not stall delivery) and read again.
 */
export const openSubscription = (
  deps: SubscriptionDeps,
  options: SubscribeOptions,
  onClose: () => void,
): Subscription => {
  const abort = new AbortController();
  const batchSize = Math.min(Math.max(options.batchSize ?? SUBSCRIBE_DEFAULT_BATCH_SIZE, 1), READ_MAX_COUNT);

  const readWithRetry = async (after: number): Promise<Batch | undefined> => {
    let pauseMs = SUBSCRIBE_RETRY_MIN_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.readBatch(after, options, batchSize);
      } catch (error) {
        if (!(error instanceof StoreUnavailable) || attempt >= SUBSCRIBE_READ_MAX_ATTEMPTS) throw error;
        await sleep(pauseMs, abort.signal);
        if (abort.signal.aborted) return undefined;
        pauseMs = Math.min(pauseMs * 2, SUBSCRIBE_RETRY_MAX_MS);
      }
    }
  };

  async function* follow(): AsyncGenerator<RecordedEvent> {
    let after = options.after ?? 0;
    while (!abort.signal.aborted) {
      const seen = deps.listener.version;
      const batch = await readWithRetry(after);
      if (!batch) return;
      for (const event of batch.events) {
        if (abort.signal.aborted) return;
        after = event.position;
        yield event;
      }
      if (batch.events.length === batchSize) continue;
      // Not full: every matching event up to the head was in it, so skip to the head.
      after = Math.max(after, batch.head);
      await deps.listener.wait(seen, deps.pollIntervalMs, abort.signal);
    }
  }

  const iterator = follow();
  deps.listener.start();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      if (!abort.signal.aborted) {
        abort.abort();
        onClose();
      }
      await iterator.return(undefined);
    },
  };
};
