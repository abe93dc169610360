import { InvalidAppend, WrongExpectedRevision } from './errors.js';
import { categoryOf, validateAppend } from './validation.js';
import {
  READ_MAX_COUNT,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type Expected,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './types.js';

const matches = (event: RecordedEvent, filter: EventFilter): boolean =>
  (!filter.categories || filter.categories.includes(categoryOf(event.stream))) &&
  (!filter.eventTypes || filter.eventTypes.includes(event.type));

const boundedCount = (maxCount: number | undefined): number =>
  Math.min(Math.max(maxCount ?? READ_MAX_COUNT, 0), READ_MAX_COUNT);

/**
 * An in-memory event store with the same behaviour as the real backends, for unit tests of the
 * core. Not durable; one process only.
 */
export class MemoryEventStore implements EventStore {
  readonly backend = 'memory' as const;
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly ids = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private clock: () => Date;

  constructor(options: { clock?: () => Date } = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expected: Expected },
  ): Promise<AppendResult> {
    const serialized = validateAppend(stream, events, options.expected);
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length === 0 ? 'no_stream' : existing.length - 1;
    const fits =
      options.expected === 'no_stream'
        ? current === 'no_stream'
        : options.expected === 'exists'
          ? current !== 'no_stream'
          : current === options.expected;
    const ids = serialized.map((e) => e.id);
    // Event ids are unique in the store, like the PostgreSQL table's unique index: ids already
    // stored are either this very append retried (return its result) or an error.
    if (!fits || ids.some((id) => this.ids.has(id))) {
      const replay = this.sameAppend(existing, ids, options.expected);
      if (replay) return replay;
      if (!fits) throw new WrongExpectedRevision(stream, options.expected, current);
      throw new InvalidAppend('invalid_event', `append to ${stream}: an event id is already stored elsewhere`);
    }
    const recordedAt = this.clock().toISOString();
    const written = serialized.map((event, index): RecordedEvent => ({
      id: event.id,
      type: event.type,
      data: JSON.parse(event.data) as unknown,
      metadata: JSON.parse(event.metadata) as RecordedEvent['metadata'],
      stream,
      revision: existing.length + index,
      position: this.log.length + index + 1,
      recordedAt,
    }));
    this.streams.set(stream, [...existing, ...written]);
    this.log.push(...written);
    for (const id of ids) this.ids.add(id);
    for (const wake of [...this.waiters]) wake();
    const last = written[written.length - 1]!;
    return { stream, revision: last.revision, position: last.position };
  }

  /** The append already landed with these ids at the slot it expected: return what it wrote. */
  private sameAppend(existing: RecordedEvent[], ids: string[], expected: Expected): AppendResult | undefined {
    const first = expected === 'no_stream' ? 0 : typeof expected === 'number' ? expected + 1 : undefined;
    if (first === undefined) {
      const start = existing.findIndex((e) => e.id === ids[0]);
      if (start === -1) return undefined;
      return this.sameAppend(existing, ids, start - 1 < 0 ? 'no_stream' : start - 1);
    }
    const slice = existing.slice(first, first + ids.length);
    if (slice.length !== ids.length || slice.some((e, i) => e.id !== ids[i])) return undefined;
    const last = slice[slice.length - 1]!;
    return { stream: last.stream, revision: last.revision, position: last.position };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = this.streams.get(stream) ?? [];
    const count = boundedCount(options.maxCount);
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromRevision ?? events.length - 1, events.length - 1);
      return events.slice(Math.max(0, from - count + 1), from + 1).reverse();
    }
    const from = options.fromRevision ?? 0;
    return events.slice(from, from + count);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const count = boundedCount(options.maxCount);
    const result: RecordedEvent[] = [];
    for (let i = options.after ?? 0; i < this.log.length && result.length < count; i++) {
      const event = this.log[i]!;
      if (matches(event, options)) result.push(event);
    }
    return result;
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const state = { closed: false, wake: undefined as (() => void) | undefined };
    const iterator = this.follow(options, state);
    const subscription: Subscription = {
      [Symbol.asyncIterator]: () => iterator,
      close: async () => {
        state.closed = true;
        state.wake?.();
        this.subscriptions.delete(subscription);
        await iterator.return(undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async *follow(
    options: SubscribeOptions,
    state: { closed: boolean; wake: (() => void) | undefined },
  ): AsyncGenerator<RecordedEvent> {
    let after = options.after ?? 0;
    while (!state.closed) {
      const end = this.log.length;
      const batch = await this.readAll({ ...options, after, maxCount: options.batchSize ?? 500 });
      for (const event of batch) {
        if (state.closed) return;
        after = event.position;
        yield event;
      }
      if (batch.length > 0) continue;
      // Nothing matched up to where the log ended when we read: skip past that and wait.
      after = Math.max(after, end);
      if (this.log.length > after) continue;
      // close() may have run while we were reading: it found no waiter to wake.
      if (state.closed) return;
      await new Promise<void>((resolve) => {
        state.wake = resolve;
        this.waiters.add(resolve);
      });
      if (state.wake) this.waiters.delete(state.wake);
    }
  }

  /** Ends every open subscription, like the real backends. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    for (const wake of [...this.waiters]) wake();
  }
}
