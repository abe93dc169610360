import type { Decision } from '../decider/index.js';
import type { EventMetadata } from './types.js';

/**
 * The contract every decider meets to be run by the command handler: pure `initialState`,
 * `evolve` and `decide` (no clock, no IO: time and ids arrive in the command), plus how its
 * commands map to event metadata and, optionally, how its state splits into snapshots.
 */

export interface DomainEvent {
  type: string;
  data: unknown;
}

/** How a decider's state splits into a snapshot's bounded core and its per-key entries. */
export interface SnapshotCodec<C, E, S> {
  version: string;
  /** The entries `decide` reads for this command: the only ones loaded. */
  keysOf(command: C): readonly string[];
  /** The entry an event leaves for its key, complete on its own (it replaces the previous one). */
  entryOf(event: E): { key: string; entry: unknown } | undefined;
  coreOf(state: S): unknown;
  /** A state from a core and some of its entries (those absent were not asked for or never existed). */
  fromSnapshot(core: unknown, entries: ReadonlyMap<string, unknown>): S;
}

export interface CommandDecider<C, E extends DomainEvent, S, R> {
  initialState(): S;
  evolve(state: S, event: E): S;
  /** Optional faster fold of many events; same result as reducing with `evolve`. */
  fold?(events: readonly E[], state: S): S;
  decide(command: C, state: S): Decision<E, R>;
  /** The metadata every event of this command carries (occurredAt, actor, correlation). */
  metadataOf(command: C): EventMetadata;
  snapshots?: SnapshotCodec<C, E, S>;
}
