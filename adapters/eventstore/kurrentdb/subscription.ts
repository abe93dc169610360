import type { AllStreamResolvedEvent, AllStreamSubscription, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { backoffMs } from '../../../core/backoff/index.js';
import {
  StoreUnavailable,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../../core/eventstore/index.js';
import {
  filterMatchesNothing,
  isSystemEvent,
  isTransient,
  matchesFilter,
  serverFilter,
  toReadPosition,
  toRecordedEvent,
  toStoreError,
} from './mapping.js';

/** How a dropped subscription comes back: exponential backoff, capped, a bounded number of times. */
export interface ResubscribePolicy {
  /** Consecutive drops before the iteration fails with StoreUnavailable. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A subscription that delivered an event, or stayed up this long, before dropping had recovered. */
  healthyAfterMs: number;
}

export const RESUBSCRIBE_DEFAULTS: ResubscribePolicy = {
  maxAttempts: 10,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  healthyAfterMs: 30_000,
};

export const backoffDelayMs = (attempt: number, policy: ResubscribePolicy): number =>
  backoffMs(attempt, { baseMs: policy.baseDelayMs, ceilingMs: policy.maxDelayMs, jitter: 'none' }, 0);

const CLOSED = Symbol('closed');

/** Shared between the iterator and `close()`: `interrupt` wakes whatever the iterator awaits. */
interface Control {
  closed: boolean;
  interrupt: (() => void) | undefined;
  current: AllStreamSubscription | undefined;
}

/**
 * One fresh promise per wait, settled by the next event or by `close()`. (Racing every event
 * against one long-lived "closed" promise would pile a reaction onto it per event.)
 */
const nextOrClosed = (
  events: AsyncIterator<AllStreamResolvedEvent>,
  control: Control,
): Promise<IteratorResult<AllStreamResolvedEvent> | typeof CLOSED> =>
  new Promise((resolve, reject) => {
    control.interrupt = () => resolve(CLOSED);
    events.next().then(resolve, reject);
  });

const sleep = (ms: number, control: Control): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    control.interrupt = () => {
      clearTimeout(timer);
      resolve();
    };
  });

async function* follow(
  client: KurrentDBClient,
  options: SubscribeOptions,
  policy: ResubscribePolicy,
  control: Control,
): AsyncGenerator<RecordedEvent> {
  let after = options.after ?? 0;
  let drops = 0;
  if (filterMatchesNothing(options)) {
    // Nothing can ever match: wait for close() rather than subscribe to everything.
    await new Promise<void>((resolve) => (control.interrupt = resolve));
    return;
  }
  const filter = serverFilter(options);
  while (!control.closed) {
    // Exclusive start on the server, and we skip anything at or below `after` regardless.
    const subscription = client.subscribeToAll({ fromPosition: toReadPosition(after), filter, resolveLinkTos: false });
    control.current = subscription;
    const subscribedAt = Date.now();
    // The iterator below sees every error through its own listener; this one keeps a late error
    // (after the iterator has finished with this subscription) from crashing the process.
    subscription.on('error', () => undefined);
    const events = subscription[Symbol.asyncIterator]();
    let failure: unknown;
    try {
      while (!control.closed) {
        const next = await nextOrClosed(events, control);
        if (next === CLOSED || next.done) break;
        const event = next.value.event;
        if (!event || isSystemEvent(event)) continue;
        const recorded = toRecordedEvent(next.value);
        if (recorded.position <= after || !matchesFilter(recorded, options)) continue;
        after = recorded.position;
        drops = 0;
        yield recorded;
      }
    } catch (error) {
      failure = error;
    } finally {
      control.current = undefined;
      await subscription.unsubscribe().catch(() => undefined);
    }
    if (control.closed) return;
    // Dropped: an error, or the server ended the stream. Resubscribe after the last delivered event.
    if (failure !== undefined && !isTransient(failure)) throw toStoreError(failure);
    if (Date.now() - subscribedAt >= policy.healthyAfterMs) drops = 0;
    drops += 1;
    if (drops > policy.maxAttempts) {
      throw new StoreUnavailable(`KurrentDB subscription dropped ${drops} times in a row; giving up`, failure);
    }
    await sleep(backoffDelayMs(drops, policy), control);
  }
}

/**
 * A catch-up subscription to $all with a server-side filter, yielding the port's RecordedEvent in
 * position order from the exclusive checkpoint `options.after`. On a dropped subscription it
 * resubscribes from the last delivered position with bounded backoff. `batchSize` does not apply:
 * the server pushes events and the stream's own backpressure paces it.
 */
export const subscribeToAll = (
  client: KurrentDBClient,
  options: SubscribeOptions,
  policy: ResubscribePolicy,
  onClose: () => void,
): Subscription => {
  const control: Control = { closed: false, interrupt: undefined, current: undefined };
  const iterator = follow(client, options, policy, control);
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      if (control.closed) return;
      control.closed = true;
      control.interrupt?.();
      await control.current?.unsubscribe().catch(() => undefined);
      await iterator.return(undefined);
      onClose();
    },
  };
};
