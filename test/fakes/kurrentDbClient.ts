import { PassThrough } from 'node:stream';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendResult,
  type AppendStreamState,
  type Filter,
  type JSONEventData,
  type KurrentDBClient,
  type Position,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';

/*
 * An in-memory stand-in for the parts of KurrentDBClient the KurrentDB event store uses, written
 * from the client's type definitions and KurrentDB's documented behaviour: positions are growing
 * byte offsets with commit = prepare per event in $all; forward $all reads start *at* a position,
 * backward reads and subscriptions strictly after/before it; appends check `streamState` and
 * acknowledge a retry of the same ids at the same expected revision without writing. It lets the
 * adapter's own logic run here; it is no evidence about the real server (the conformance suite
 * against KurrentDB is).
 */

interface StoredEvent {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  data: unknown;
  metadata: unknown;
  created: Date;
  position: bigint;
  /** First event of the append it came in (a stream read may report it as `prepare`). */
  batchStart: bigint;
}

export class FakeSubscription extends PassThrough {
  constructor(
    readonly fromPosition: ReadPosition,
    readonly serverFilter: Filter | undefined,
  ) {
    super({ objectMode: true });
  }

  unsubscribed = false;
  /** Set once the catch-up part is written; only live subscriptions get new appends. */
  live = false;

  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
    if (!this.destroyed) this.end();
  }
}

const matches = (event: StoredEvent, filter: Filter | undefined): boolean => {
  if (!filter) return true;
  const subject = filter.filterOn === 'streamName' ? event.streamId : event.type;
  return 'prefixes' in filter
    ? filter.prefixes.some((prefix) => subject.startsWith(prefix))
    : new RegExp(filter.regex).test(subject);
};

const toResolved = (event: StoredEvent, prepare: bigint): AllStreamResolvedEvent => ({
  event: {
    streamId: event.streamId,
    id: event.id,
    isJson: true,
    revision: event.revision,
    type: event.type,
    created: event.created,
    data: event.data as never,
    metadata: event.metadata as never,
    position: { commit: event.position, prepare },
  },
  commitPosition: event.position,
});

export class FakeKurrentClient {
  readonly log: StoredEvent[] = [];
  readonly appendCalls: Array<{ stream: string; streamState: AppendStreamState | undefined; ids: string[] }> = [];
  readonly readAllCalls: Array<{ fromPosition: ReadPosition; maxCount: number; filter: Filter | undefined }> = [];
  readonly readStreamCalls: Array<{ stream: string; maxCount: number }> = [];
  readonly subscriptions: FakeSubscription[] = [];
  /** Thrown by the next append, then cleared. */
  failNextAppend: Error | undefined;
  /** Report no position for an acknowledged retry, as servers before the fix did. */
  omitIdempotentPosition = false;
  /** Answer a conflict with `success: false` instead of throwing (throwOnAppendFailure=false). */
  throwOnAppendFailure = true;
  /** Also deliver the event at the subscription's start position (the adapter must skip it). */
  subscribeInclusive = false;
  /** Make every new subscription fail at once with this error. */
  subscribeFailure: Error | undefined;
  disposed = false;
  private nextPosition = 1_000n;

  get asClient(): KurrentDBClient {
    return this as unknown as KurrentDBClient;
  }

  private streamEvents(stream: string): StoredEvent[] {
    return this.log.filter((event) => event.streamId === stream);
  }

  /** A KurrentDB-internal event ($metadata, a $> link in $ce-…): the adapter must never return it. */
  appendSystem(streamId: string, type: string): bigint {
    const existing = this.streamEvents(streamId);
    const position = this.nextPosition;
    this.nextPosition += 123n;
    this.log.push({
      streamId,
      id: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}`,
      type,
      revision: BigInt(existing.length),
      data: {},
      metadata: {},
      created: new Date(),
      position,
      batchStart: position,
    });
    return position;
  }

  async appendToStream(
    stream: string,
    input: JSONEventData | JSONEventData[],
    options?: { streamState?: AppendStreamState },
  ): Promise<AppendResult> {
    const events = Array.isArray(input) ? input : [input];
    const streamState = options?.streamState;
    this.appendCalls.push({ stream, streamState, ids: events.map((e) => e.id) });
    const failure = this.failNextAppend;
    this.failNextAppend = undefined;
    if (failure) throw failure;
    const existing = this.streamEvents(stream);
    const current = existing.length === 0 ? ('no_stream' as const) : BigInt(existing.length - 1);
    const fits =
      streamState === 'no_stream'
        ? current === 'no_stream'
        : streamState === 'stream_exists'
          ? current !== 'no_stream'
          : typeof streamState === 'bigint'
            ? current === streamState
            : true;
    if (!fits) return this.conflict(stream, existing, events, streamState ?? 'any', current);
    const batchStart = this.nextPosition;
    let last: StoredEvent | undefined;
    for (const [index, event] of events.entries()) {
      const bytes = JSON.stringify(event.data) + JSON.stringify(event.metadata);
      last = {
        streamId: stream,
        id: event.id,
        type: event.type,
        revision: BigInt(existing.length + index),
        data: JSON.parse(JSON.stringify(event.data)) as unknown,
        metadata: JSON.parse(JSON.stringify(event.metadata)) as unknown,
        created: new Date(),
        position: this.nextPosition,
        batchStart,
      };
      this.log.push(last);
      this.nextPosition += BigInt(100 + bytes.length);
      for (const subscription of this.subscriptions) {
        if (
          subscription.live &&
          !subscription.unsubscribed &&
          !subscription.destroyed &&
          matches(last, subscription.serverFilter)
        ) {
          subscription.write(toResolved(last, last.position));
        }
      }
    }
    return {
      success: true,
      nextExpectedRevision: last!.revision,
      position: { commit: last!.position, prepare: batchStart },
    };
  }

  private conflict(
    stream: string,
    existing: StoredEvent[],
    events: JSONEventData[],
    streamState: AppendStreamState,
    current: 'no_stream' | bigint,
  ): AppendResult {
    const first = streamState === 'no_stream' ? 0 : typeof streamState === 'bigint' ? Number(streamState) + 1 : -1;
    const slice = first < 0 ? [] : existing.slice(first, first + events.length);
    if (slice.length === events.length && slice.every((stored, i) => stored.id === events[i]!.id)) {
      const last = slice[slice.length - 1]!;
      const position: Position | undefined = this.omitIdempotentPosition
        ? undefined
        : { commit: last.position, prepare: last.position };
      return { success: true, nextExpectedRevision: last.revision, position };
    }
    if (!this.throwOnAppendFailure) return { success: false, nextExpectedRevision: -1n, position: undefined };
    throw new WrongExpectedVersionError(undefined, { streamName: stream, expected: streamState, current });
  }

  readStream(
    stream: string,
    options: { direction?: string; fromRevision?: ReadRevision; maxCount?: number | bigint } = {},
  ): AsyncIterableIterator<AllStreamResolvedEvent> {
    const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    this.readStreamCalls.push({ stream, maxCount });
    const events = this.streamEvents(stream);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    return (async function* () {
      if (events.length === 0) throw new StreamNotFoundError(undefined, stream);
      const ordered = backwards ? [...events].reverse() : events;
      const selected = ordered.filter((event) =>
        typeof from !== 'bigint' ? true : backwards ? event.revision <= from : event.revision >= from,
      );
      // Stream reads report the commit position and, as some servers do, the batch start as prepare.
      for (const event of selected.slice(0, maxCount)) yield toResolved(event, event.batchStart);
    })();
  }

  readAll(
    options: { fromPosition?: ReadPosition; direction?: string; maxCount?: number | bigint; filter?: Filter } = {},
  ): AsyncIterableIterator<AllStreamResolvedEvent> {
    const fromPosition = options.fromPosition ?? 'start';
    const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    this.readAllCalls.push({ fromPosition, maxCount, filter: options.filter });
    const backwards = options.direction === 'backwards';
    const log = this.log;
    return (async function* () {
      const ordered = backwards ? [...log].reverse() : log;
      const selected = ordered.filter((event) => {
        if (typeof fromPosition === 'object') {
          // Forwards: inclusive of the position; backwards: strictly before it.
          if (backwards ? event.position >= fromPosition.commit : event.position < fromPosition.commit) return false;
        } else if (fromPosition === 'end' && !backwards) {
          return false;
        }
        return matches(event, options.filter);
      });
      for (const event of selected.slice(0, maxCount)) yield toResolved(event, event.position);
    })();
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}): FakeSubscription {
    const fromPosition = options.fromPosition ?? 'start';
    const subscription = new FakeSubscription(fromPosition, options.filter);
    this.subscriptions.push(subscription);
    const failure = this.subscribeFailure;
    setImmediate(() => {
      if (subscription.unsubscribed || subscription.destroyed) return;
      if (failure) {
        subscription.destroy(failure);
        return;
      }
      subscription.emit('confirmation');
      for (const event of this.log) {
        const start = typeof fromPosition === 'object' ? fromPosition.commit : -1n;
        const after = this.subscribeInclusive ? event.position >= start : event.position > start;
        if (after && matches(event, options.filter)) subscription.write(toResolved(event, event.position));
      }
      subscription.live = true;
    });
    return subscription;
  }

  /** Drop the newest live subscription as the server would on a failure. */
  drop(error: Error): void {
    const live = this.subscriptions.filter((s) => !s.unsubscribed && !s.destroyed);
    live[live.length - 1]?.destroy(error);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
