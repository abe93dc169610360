import type { RecordedEvent } from './types.js';

/**
 * The SnapshotStore port: what lets a command on a long stream cost as much as one on a new
 * stream. A snapshot has two parts:
 * - the `core`: a small, bounded summary of the stream up to `revision`, stored whole;
 * - `entries`: the parts of the state that grow with history (an idempotency index: one entry
 *   per id ever used), stored one row per key and loaded only for the keys a command names.
 *
 * Rules every implementation keeps (the handler relies on them):
 * - `save` replaces the core only with a higher revision (concurrent savers race harmlessly);
 * - an entry is replaced only by one with a higher revision (each entry carries the revision of
 *   the event that wrote it), so an older save landing late cannot undo a newer one;
 * - a save with another `version` than the stored one drops the stream's old core and entries
 *   first: a new version means a new shape.
 * A snapshot is only ever a cache of the stream: losing it costs time, never correctness.
 */

export interface SnapshotEntry {
  key: string;
  /** Revision of the event that last wrote this entry. */
  revision: number;
  /** JSON-serialisable. */
  value: unknown;
}

export interface Snapshot {
  /** Shape of core and entries; the handler ignores a snapshot of another version. */
  version: string;
  /** Revision of the last event folded into `core`. */
  revision: number;
  /** Global position of that event. */
  position: number;
  /** JSON-serialisable. */
  core: unknown;
  /**
   * The entries asked for that exist. An entry may be newer than `revision` (a concurrent save
   * wrote it between two reads); the handler drops those and rebuilds them from the stream.
   */
  entries: SnapshotEntry[];
}

export interface SnapshotStore {
  /** The stream's snapshot with the named entries, or undefined when there is none of this version. */
  load(stream: string, version: string, keys: readonly string[]): Promise<Snapshot | undefined>;
  save(stream: string, snapshot: Snapshot): Promise<void>;
  /**
   * Optional: `load` plus the stream's first `maxTail` events after the snapshot (from revision 0
   * without one), in one round trip. Only a store kept in the same database as the events can
   * offer it; it saves a command one of its three round trips. A tail of `maxTail` events may
   * have more after it: the handler reads on.
   */
  loadWithTail?(stream: string, version: string, keys: readonly string[], maxTail: number): Promise<SnapshotWithTail>;
}

export interface SnapshotWithTail {
  snapshot: Snapshot | undefined;
  tail: RecordedEvent[];
}

/** At most this many keys are looked up per load. A command names one or two. */
export const SNAPSHOT_LOAD_MAX_KEYS = 100;
