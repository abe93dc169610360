/**
 * The EventStore port. Every backend (PostgreSQL, KurrentDB, in-memory) implements it and passes
 * the same conformance suite (`test/eventstore/conformance.ts`).
 *
 * Positions and revisions are JavaScript numbers: a stream revision starts at 0, a global
 * position at 1 (0 means "before the first event"). Both stay far below 2^53 in any real log.
 */

/** What the writer knows about the stream. There is deliberately no "any": streams hold money. */
export type Expected = 'no_stream' | 'exists' | number;

export interface EventMetadata {
  /** When the fact happened, as the caller knows it (a provider's time, the command's time). ISO 8601. */
  occurredAt: string;
  correlationId?: string;
  causationId?: string;
  /** Who caused it: `user:<id>`, `operator:<name>`, `provider:stripe`, `system:sweeper`, … */
  actor?: string;
  [key: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** A UUID made by the caller; deterministic for a given command so retries deduplicate. */
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  stream: string;
  revision: number;
  position: number;
  /** When the store committed it. ISO 8601. */
  recordedAt: string;
}

export interface AppendResult {
  stream: string;
  /** Revision of the last event written (the stream's current revision). */
  revision: number;
  /** Global position of the last event written. */
  position: number;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Forwards default 0; backwards default: the end. */
  fromRevision?: number;
  maxCount?: number;
}

export interface EventFilter {
  /** Stream categories (the part of the name before the first `-`). */
  categories?: readonly string[];
  eventTypes?: readonly string[];
}

export interface ReadAllOptions extends EventFilter {
  /** Exclusive: events with a position greater than this. Default 0. */
  after?: number;
  maxCount?: number;
}

export interface SubscribeOptions extends EventFilter {
  /** Exclusive checkpoint: deliver events after this position. Default 0. */
  after?: number;
  /** Events fetched per round trip while catching up. */
  batchSize?: number;
}

/**
 * A catch-up subscription: iterating yields every matching event after the checkpoint, in
 * position order, then waits for new ones. `close()` ends the iteration.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  readonly backend: 'postgres' | 'kurrentdb' | 'memory';
  appendToStream(stream: string, events: readonly NewEvent[], options: { expected: Expected }): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in global order, never skipping one that commits late. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The highest position a reader can safely have seen (everything at or below it is visible). */
  headPosition(): Promise<number>;
  subscribe(options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** Limits every backend enforces the same way. */
export const EVENT_MAX_BYTES = 1024 * 1024;
export const APPEND_MAX_EVENTS = 1000;
export const READ_MAX_COUNT = 10_000;
export const STREAM_NAME_MAX_LENGTH = 200;
