import type pg from 'pg';
import type { EventFilter, RecordedEvent } from '../core/eventstore/index.js';

/**
 * Where a projection writes: each of its table names mapped to the physical, quoted name — the
 * live table, or a rebuild's shadow copy of it. Handlers build their SQL from these, never from
 * the bare names, so the same code fills both.
 */
export type TableNames = Readonly<Record<string, string>>;

/** One read model: the events it reads, the tables it owns, and how a batch lands in them. */
export interface Projection {
  /** Also the checkpoint's name and the advisory lock's. */
  readonly name: string;
  /**
   * The events it reads. Every other event of the log is skipped without being read, and the
   * checkpoint still moves past it.
   */
  readonly filter: EventFilter;
  /** The tables it owns (names in the current schema); a rebuild replaces them together. */
  readonly tables: readonly string[];
  /**
   * The indexes `apply` relies on (for lookups or conflicts) while a rebuild fills shadow tables.
   * Every other index is built once, at the end of the fill, which is much faster than keeping
   * it up to date row by row. Default: every unique index.
   */
  readonly rebuildIndexes?: readonly string[];
  /**
   * Whether a rebuild's shadow tables are logged while it fills them. Unlogged (the default)
   * saves the WAL of each row, and pays for it at the end: SET LOGGED rewrites every table and
   * its indexes, on the rebuild's critical path. Logged pays for the WAL as the rows go in,
   * which is cheaper when they go in as a few large COPYs (the ledger's accumulator: a 1M-event
   * rebuild 1.3 s faster, its server CPU 2 s less), and a database crash does not empty them.
   */
  readonly rebuildLogged?: boolean;
  /**
   * Applies a batch (in position order) inside the caller's transaction, which also moves the
   * checkpoint. Must be idempotent per event: applying an event already applied changes nothing.
   * An event it cannot apply throws `UnprojectableEvent`; it is never skipped.
   */
  apply(client: pg.ClientBase, events: readonly RecordedEvent[], tables: TableNames): Promise<void>;
  /**
   * Optional, for rebuilds: folds many reads in memory and writes them at once, so a row that
   * many events touch is written once per write instead of once per batch. It may rely on the
   * rebuild's checkpoint: no event after it has been applied to `tables`.
   */
  accumulator?(db: pg.Pool, tables: TableNames): Promise<Accumulator>;
}

export interface Accumulator {
  /** Events in position order; throws `UnprojectableEvent` like `apply`. */
  add(events: readonly RecordedEvent[]): void;
  /** Events added since the last `take`. */
  readonly pendingEvents: number;
  /**
   * Takes what was added as one write and starts afresh, so the next events can be added while
   * that write runs (inside the caller's transaction, which also moves the checkpoint). Later
   * adds assume the write commits; if it does not, call `reset`.
   */
  take(): (client: pg.ClientBase) => Promise<void>;
  /** Forgets what was added and reloads what it knows from the tables. */
  reset(): Promise<void>;
}

/** The live names of a projection's tables, quoted. */
export const liveTables = (projection: Projection): TableNames =>
  Object.fromEntries(projection.tables.map((table) => [table, quoteIdent(table)]));

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
