import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type Direction,
  type Filter,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import {
  READ_MAX_COUNT,
  WrongExpectedRevision,
  validateAppend,
  type AppendResult,
  type EventStore,
  type Expected,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../../core/eventstore/index.js';
import {
  filterMatchesNothing,
  isSystemEvent,
  matchesFilter,
  positionToNumber,
  revisionToNumber,
  serverFilter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStoreError,
  toStreamState,
} from './mapping.js';
import { RESUBSCRIBE_DEFAULTS, subscribeToAll, type ResubscribePolicy } from './subscription.js';

export interface KurrentDbEventStoreOptions {
  /** How a dropped subscription is retried; defaults in RESUBSCRIBE_DEFAULTS. */
  resubscribe?: Partial<ResubscribePolicy>;
}

const boundedCount = (maxCount: number | undefined): number =>
  Math.min(Math.max(maxCount ?? READ_MAX_COUNT, 0), READ_MAX_COUNT);

/** Events per page when looking back from the end of the log for the head. */
const HEAD_PAGE_SIZE = 32;

/** Where a resolved event sits in $all, whatever it is (system events included). */
const rawPosition = (resolved: AllStreamResolvedEvent): number | undefined => {
  const commit = resolved.event?.position.commit ?? resolved.commitPosition;
  return commit === undefined ? undefined : positionToNumber(commit);
};

/**
 * The EventStore port on KurrentDB (or EventStoreDB 22.6+) through @kurrent/kurrentdb-client.
 * Streams map one to one; the global position is the commit position in KurrentDB's log (see
 * mapping.ts). Read tables stay in PostgreSQL; only the events live here.
 */
export class KurrentDbEventStore implements EventStore {
  readonly backend = 'kurrentdb' as const;
  private readonly client: KurrentDBClient;
  private readonly resubscribe: ResubscribePolicy;
  private readonly subscriptions = new Set<Subscription>();

  /**
   * `connectionString`: `kurrentdb://host:2113?tls=false` (or `esdb://…`, `kurrentdb+discover://…`),
   * or a client configured elsewhere (a credentials provider, a test double).
   */
  constructor(connectionString: string | KurrentDBClient, options: KurrentDbEventStoreOptions = {}) {
    this.client =
      typeof connectionString === 'string' ? KurrentDBClient.connectionString(connectionString) : connectionString;
    this.resubscribe = { ...RESUBSCRIBE_DEFAULTS, ...options.resubscribe };
  }

  /**
   * Appends with an explicit `streamState` always: the client's default is ANY, no concurrency
   * check at all: the client's default is unsafe, so we always pass one.
   *
   * What the server guarantees for a retry. Event ids are the caller's deterministic UUIDs
   * (commandHandler derives them from stream, expected revision and content), so a retried
   * append — after a timeout or a StoreUnavailable whose outcome is unknown — carries the same
   * ids to the same slot. When the expected revision (`no_stream` or a number) is behind the
   * stream, KurrentDB compares the ids with the events stored right after it: all equal → it
   * acknowledges without writing and returns the original revision and, on current servers,
   * the original position; the first differs → WrongExpectedRevision; only some equal →
   * WrongExpectedRevision. That check reads the index, so it is exact and holds for the whole
   * history. A retry that reaches the server before the original is replicated is dropped (it
   * times out: StoreUnavailable, retry again).
   *
   * Where that differs from the PostgreSQL backend, which has a unique constraint on event ids
   * and so refuses a reused id anywhere unless it is an exact replay at its own slot:
   * - with `exists`, KurrentDB only consults a cache of recent event ids: a retry after a
   *   restart or cache eviction writes the events again;
   * - when the expected revision equals the stream's current one the server checks no ids, so
   *   the same ids appended again at the end of the stream are written twice (PostgreSQL:
   *   invalid_event);
   * - ids are not unique across streams.
   * Commands append with exact revisions and slot-bound ids, so none of these arise from the
   * command handler; code that appends by other means must not rely on id uniqueness here.
   */
  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expected: Expected },
  ): Promise<AppendResult> {
    const serialized = validateAppend(stream, events, options.expected);
    let result;
    try {
      result = await this.client.appendToStream(stream, serialized.map(toEventData), {
        streamState: toStreamState(options.expected),
      });
    } catch (error) {
      throw toStoreError(error, { stream, expected: options.expected });
    }
    if (!result.success) {
      // Only when the connection string sets throwOnAppendFailure=false; the client's own
      // report of the current revision is unreliable then, so read it.
      throw new WrongExpectedRevision(stream, options.expected, await this.currentRevision(stream));
    }
    const revision = revisionToNumber(result.nextExpectedRevision);
    // A fresh append reports the last event's position. Servers before the idempotent-position fix
    // report none for an acknowledged retry: read the event back.
    const position = result.position
      ? positionToNumber(result.position.commit)
      : (await this.eventAt(stream, revision)).position;
    return { stream, revision, position };
  }

  /** Events of one stream, forwards or backwards, at most READ_MAX_COUNT; [] when it does not exist. */
  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const count = boundedCount(options.maxCount);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    if (count === 0 || (backwards && from !== undefined && from < 0)) return [];
    const fromRevision = from === undefined ? (backwards ? END : START) : BigInt(Math.max(0, Math.trunc(from)));
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        maxCount: count,
        resolveLinkTos: false,
      })) {
        events.push(toRecordedEvent(resolved));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error, { stream });
    }
    return events;
  }

  /**
   * Events of every stream after `after`, in log order, filtered on the server (see
   * `serverFilter`). KurrentDB makes an event visible in $all only once everything before it in
   * the log is, so nothing that commits late can be skipped.
   *
   * With both categories and event types the server filters by category and we drop the other
   * types here, page by page (each page at most `count + 1` events). Paging goes on until `count`
   * events matched or the log ends, never stopping early at a scan limit: a short result means
   * "caught up" to a caller, and stopping early would have it wait at the same `after` forever.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const count = boundedCount(options.maxCount);
    if (count === 0 || filterMatchesNothing(options)) return [];
    const filter = serverFilter(options);
    const result: RecordedEvent[] = [];
    let after = options.after ?? 0;
    while (result.length < count) {
      // +1: a forward read starts *at* the position, so the event at `after` may come back.
      const want = count - result.length + 1;
      const page = await this.readAllPage(toReadPosition(after), FORWARDS, want, filter);
      let last = after;
      for (const resolved of page) {
        last = Math.max(last, rawPosition(resolved) ?? last);
        const event = resolved.event;
        if (!event || isSystemEvent(event)) continue;
        const recorded = toRecordedEvent(resolved);
        if (recorded.position <= after || !matchesFilter(recorded, options)) continue;
        result.push(recorded);
        if (result.length === count) break;
      }
      if (page.length < want || last === after) break;
      after = last;
    }
    return result;
  }

  /**
   * The commit position of the last non-system event in the log; 0 when there is none. The server
   * drops `$` event types; the rare `$` stream with an ordinary type is skipped here, a page back.
   */
  async headPosition(): Promise<number> {
    let from: ReadPosition = END;
    while (true) {
      const page = await this.readAllPage(from, BACKWARDS, HEAD_PAGE_SIZE, excludeSystemEvents());
      for (const resolved of page) {
        if (resolved.event && !isSystemEvent(resolved.event)) return toRecordedEvent(resolved).position;
      }
      const oldest = page.length === HEAD_PAGE_SIZE ? rawPosition(page[page.length - 1]!) : undefined;
      // Backward reads are exclusive of their start: continue strictly before the oldest seen.
      if (oldest === undefined) return 0;
      from = toReadPosition(oldest);
    }
  }

  /** A catch-up subscription to $all from `after`, resubscribing on drops (see subscription.ts). */
  subscribe(options: SubscribeOptions = {}): Subscription {
    const subscription: Subscription = subscribeToAll(this.client, options, this.resubscribe, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends every open subscription, then releases the client's connections. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    this.subscriptions.clear();
    await this.client.dispose();
  }

  private async readAllPage(
    fromPosition: ReadPosition,
    direction: Direction,
    maxCount: number,
    filter: Filter,
  ): Promise<AllStreamResolvedEvent[]> {
    const page: AllStreamResolvedEvent[] = [];
    try {
      for await (const resolved of this.client.readAll({
        fromPosition,
        direction,
        maxCount,
        filter,
        resolveLinkTos: false,
      })) {
        page.push(resolved);
      }
    } catch (error) {
      throw toStoreError(error);
    }
    return page;
  }

  private async eventAt(stream: string, revision: number): Promise<RecordedEvent> {
    const [event] = await this.readStream(stream, { fromRevision: revision, maxCount: 1 });
    if (!event || event.revision !== revision) {
      throw new Error(`KurrentDB acknowledged ${stream}@${revision} but the event cannot be read back`);
    }
    return event;
  }

  private async currentRevision(stream: string): Promise<number | 'no_stream'> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last ? last.revision : 'no_stream';
  }
}
