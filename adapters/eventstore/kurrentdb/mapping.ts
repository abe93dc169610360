import {
  ErrorType,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  convertToCommandError,
  eventTypeFilter,
  excludeSystemEvents,
  isCommandError,
  streamNameFilter,
  type AppendStreamState,
  type CurrentStreamState,
  type Filter,
  type JSONEventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  InvalidAppend,
  StoreUnavailable,
  WrongExpectedRevision,
  categoryOf,
  type EventFilter,
  type EventMetadata,
  type Expected,
  type RecordedEvent,
  type SerializedEvent,
} from '../../../core/eventstore/index.js';

/*
 * Pure translations between the EventStore port and the KurrentDB client's shapes. No IO here:
 * everything in this file is unit-tested without a server.
 *
 * Positions. KurrentDB addresses $all with `{ commit, prepare }` (bigint byte offsets in its
 * transaction log). Every event appended over gRPC is written as a self-committing prepare record,
 * so reading $all reports `commit === prepare ===` that record's log position: one distinct, ever
 * growing number per event. The port's global position is that commit position as a JS number
 * (safe up to 2^53 bytes, ~9 PB of log). Going back, a position `p` becomes `{ commit: p,
 * prepare: p }`, which addresses exactly that event. KurrentDB reads $all forwards *inclusively*
 * from a position and subscribes to $all *exclusively* after one; the port's `after` is exclusive,
 * so readers skip any event at or below `after` whatever the server does.
 * (Events written by the legacy TCP explicit-transaction API share one commit position per
 * transaction; this adapter never writes those.)
 */

/** Our `expected` as the client's `streamState`. There is no mapping to ANY: streams hold money. */
export const toStreamState = (expected: Expected): AppendStreamState => {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'exists') return STREAM_EXISTS;
  return BigInt(expected);
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const safeNumber = (value: bigint, what: string): number => {
  if (value < 0n || value > MAX_SAFE) {
    throw new RangeError(`KurrentDB ${what} ${value} is not a safe non-negative integer`);
  }
  return Number(value);
};

/** A commit position as the port's global position. Throws when it is beyond 2^53 or negative. */
export const positionToNumber = (commit: bigint): number => safeNumber(commit, 'commit position');

/** A stream revision as a number. */
export const revisionToNumber = (revision: bigint): number => safeNumber(revision, 'stream revision');

/**
 * The port's exclusive `after` as a place to start reading $all from. The server may hand back
 * the event at `after` itself (forward reads are inclusive): callers skip it.
 */
export const toReadPosition = (after: number): ReadPosition => {
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new RangeError(`position must be a safe integer >= 0, got ${after}`);
  }
  if (after === 0) return START;
  const at = BigInt(after);
  const position: Position = { commit: at, prepare: at };
  return position;
};

/** The client's view of a stream's state after a failed check, in the port's terms. */
export const actualRevision = (state: CurrentStreamState): number | 'no_stream' =>
  state === NO_STREAM ? 'no_stream' : state < 0n ? 'no_stream' : revisionToNumber(state);

/**
 * A validated event as the client's JSON event. The data and metadata go in as the values parsed
 * from the bytes `validateAppend` produced, so the client's own `JSON.stringify` writes exactly
 * those bytes (parse/stringify of JSON.stringify output is a fixed point).
 */
export const toEventData = (event: SerializedEvent): JSONEventData => ({
  id: event.id,
  contentType: 'application/json',
  type: event.type,
  // The port allows any JSON value (numbers, null); the client stringifies whatever it gets.
  data: JSON.parse(event.data) as JSONType,
  metadata: JSON.parse(event.metadata) as JSONType,
});

/** System events and streams (`$`-prefixed) are KurrentDB's own, never ours. */
export const isSystemEvent = (event: { streamId: string; type: string }): boolean =>
  event.streamId.startsWith('$') || event.type.startsWith('$');

/** Whether a recorded event passes the port's filter (categories and event types, both exact). */
export const matchesFilter = (event: RecordedEvent, filter: EventFilter): boolean =>
  (!filter.categories || filter.categories.includes(categoryOf(event.stream))) &&
  (!filter.eventTypes || filter.eventTypes.includes(event.type));

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The server-side filter for a port filter. KurrentDB filters on one thing at a time (stream
 * name *or* event type), so with both we let the server narrow by category and check the types
 * here (`matchesFilter`). Categories become stream-name prefixes `category-`; event types an exact,
 * anchored regex (a type prefix would also match longer names). Without a filter, system events are
 * excluded on the server. None of these filters can match a `$` stream or type.
 */
export const serverFilter = (filter: EventFilter): Filter => {
  if (filter.categories) return streamNameFilter({ prefixes: filter.categories.map((c) => `${c}-`) });
  if (filter.eventTypes) {
    return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
};

/** An empty filter list matches nothing; the server would read it as "no filter" instead. */
export const filterMatchesNothing = (filter: EventFilter): boolean =>
  filter.categories?.length === 0 || filter.eventTypes?.length === 0;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * A resolved event from the client as the port's RecordedEvent. Data and metadata are JSON (the
 * client has parsed them); our `metadata` object is the event's metadata; `recordedAt` is the
 * server's `created`. Throws on anything this adapter cannot have written: a missing event, a
 * binary payload, metadata that is not an object, a missing position.
 */
export const toRecordedEvent = (resolved: ResolvedEvent): RecordedEvent => {
  const event = resolved.event;
  if (!event) throw new Error('KurrentDB returned a resolved event without an event (an unresolved link?)');
  if (!event.isJson) {
    throw new Error(`KurrentDB event ${event.id} in ${event.streamId} is not JSON; this store only writes JSON`);
  }
  if (!isRecord(event.metadata)) {
    throw new Error(`KurrentDB event ${event.id} in ${event.streamId} has no JSON metadata object`);
  }
  // Stream reads carry the position only on servers after 22.6; $all reads always do.
  const commit = event.position?.commit ?? resolved.commitPosition;
  if (commit === undefined) {
    throw new Error(`KurrentDB returned event ${event.id} without a position (server older than 22.6?)`);
  }
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata as EventMetadata,
    stream: event.streamId,
    revision: revisionToNumber(event.revision),
    position: positionToNumber(commit),
    recordedAt: event.created.toISOString(),
  };
};

/** Normalise a raw gRPC ServiceError (the client lets some through) into the client's errors. */
const normalise = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  try {
    return convertToCommandError(error);
  } catch {
    // convertToCommandError reads `details` of anything with a numeric `code`; keep the original.
    return error;
  }
};

/** Whether a client error is worth retrying: the server was unreachable, busy or not the leader. */
export const isTransient = (raw: unknown): boolean => {
  const error = normalise(raw);
  if (!(error instanceof Error)) return false;
  if (isCommandError(error)) {
    // UNKNOWN too: the native read path and gRPC report some transport failures only as that.
    switch (error.type) {
      case ErrorType.UNAVAILABLE:
      case ErrorType.DEADLINE_EXCEEDED:
      case ErrorType.TIMEOUT:
      case ErrorType.NOT_LEADER:
      case ErrorType.CANCELLED:
      case ErrorType.UNKNOWN:
        return true;
      default:
        return false;
    }
  }
  // Cluster discovery gives up with a plain Error (Client/discovery.js).
  return /^Failed to discover after \d+ attempts/.test(error.message);
};

/**
 * A client error in the port's terms: a failed concurrency check is `WrongExpectedRevision`, a
 * server that refuses the append's size is `InvalidAppend`, an unreachable or failing server is
 * `StoreUnavailable` (for an append: the outcome is unknown, retry with the same ids). Anything
 * else (access denied, a deleted stream) is returned unchanged: it is not ours to reinterpret.
 */
export const toStoreError = (error: unknown, context: { stream?: string; expected?: Expected } = {}): unknown => {
  const normalised = normalise(error);
  if (!(normalised instanceof Error)) return normalised;
  if (isCommandError(normalised)) {
    if (normalised.type === ErrorType.WRONG_EXPECTED_VERSION && context.expected !== undefined) {
      return new WrongExpectedRevision(
        context.stream ?? normalised.streamName,
        context.expected,
        actualRevision(normalised.actualState),
      );
    }
    if (
      normalised.type === ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED ||
      normalised.type === ErrorType.TRANSACTION_MAX_SIZE_EXCEEDED ||
      normalised.type === ErrorType.APPEND_RECORD_SIZE_EXCEEDED
    ) {
      return new InvalidAppend(
        'event_too_large',
        `append to ${context.stream ?? 'a stream'} exceeds the KurrentDB server's size limit ` +
          `(MaxAppendSize, default 1 MiB per append): ${normalised.message}`,
      );
    }
  }
  if (isTransient(normalised)) {
    return new StoreUnavailable(`KurrentDB unavailable: ${normalised.message || normalised.name}`, normalised);
  }
  return normalised;
};
