import type { Snapshot, SnapshotStore } from './snapshotStore.js';
import { READ_MAX_COUNT, type EventStore, type RecordedEvent } from './types.js';
import type { CommandDecider, DomainEvent, SnapshotCodec } from './commandDecider.js';
import { KeyFilter } from './keyFilter.js';

/** A stream's state as of `revision`, as the command handler holds it. */
export interface Loaded<S, E> {
  state: S;
  /** -1 when the stream does not exist. */
  revision: number;
  /** Global position of the event at `revision`; 0 when none. */
  position: number;
  /** Revision of the snapshot this state started from; -1 when none. */
  snapshotRevision: number;
  /** Events folded after that snapshot, with their revisions: their entries go in the next save. */
  sinceSnapshot: ReadonlyArray<{ revision: number; event: E }>;
  /**
   * Entry keys whose state is exactly known at `revision`: looked up in the snapshot store
   * (present or absent) or written by an event folded since. A command naming only known keys
   * can be decided without a lookup. Unused without a codec: a full fold knows every key.
   */
  known: ReadonlySet<string>;
  /**
   * Folded from the stream's first event, nothing dropped since: `known` then holds every key
   * the stream ever wrote, and any other key is known to be absent.
   */
  knowsAll: boolean;
  /**
   * Every key the stream ever wrote, kept when a state that knew them all drops its entries
   * after a snapshot save: a key it never saw is then still known to be absent.
   */
  keysWritten?: KeyFilter;
}

/**
 * A state that knows all its keys keeps them after a snapshot save while it has at most this
 * many: a young account is then decided from memory. Beyond it the state drops its entries (they
 * are in the snapshot store) so a cached state stays small.
 */
export const CACHED_KEYS_PER_STREAM = 256;

const readFrom = async (store: EventStore, stream: string, fromRevision: number): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readStream(stream, {
      fromRevision: fromRevision + events.length,
      maxCount: READ_MAX_COUNT,
    });
    events.push(...page);
    if (page.length < READ_MAX_COUNT) return events;
  }
};

/**
 * Loading, catching up and snapshotting of streams for one decider. With a codec and a snapshot
 * store, a load costs a bounded amount whatever the stream's length: the snapshot's core, the
 * entries the command names, and at most about `snapshotEvery` events after the snapshot.
 */
export class StreamLoader<C, E extends DomainEvent, S, R> {
  private readonly codec: SnapshotCodec<C, E, S> | undefined;

  constructor(
    private readonly decider: CommandDecider<C, E, S, R>,
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore | undefined,
    private readonly snapshotEvery: number,
    private readonly onSnapshotError?: (error: unknown, stream: string) => void,
  ) {
    this.codec = snapshots ? decider.snapshots : undefined;
  }

  keysOf(command: C): readonly string[] {
    return this.codec ? this.codec.keysOf(command) : [];
  }

  /** Worth keeping in memory: not when snapshot saves keep failing and the unsaved tail grows. */
  cacheable(loaded: Loaded<S, E>): boolean {
    return loaded.sinceSnapshot.length <= 4 * this.snapshotEvery;
  }

  knows(loaded: Loaded<S, E>, keys: readonly string[]): boolean {
    const { known, keysWritten } = loaded;
    return (
      !this.codec ||
      loaded.knowsAll ||
      keys.every((key) => known.has(key) || (keysWritten !== undefined && !keysWritten.mayHave(key)))
    );
  }

  /**
   * The state as stored, with `keys` known. `cached`, the last state this process held of the
   * stream, lends its filter of keys written: it covers the stream up to the cached revision,
   * and the tail folded here covers the rest (a snapshot is never ahead of the stream).
   */
  async load(stream: string, keys: readonly string[], cached?: Loaded<S, E>): Promise<Loaded<S, E>> {
    if (!this.codec || !this.snapshots) return this.catchUp(stream, this.empty());
    if (this.snapshots.loadWithTail) {
      const maxTail = 2 * this.snapshotEvery;
      const { snapshot, tail } = await this.snapshots.loadWithTail(stream, this.codec.version, keys, maxTail);
      const loaded = this.folded(this.fromSnapshot(snapshot, keys, cached), tail);
      return tail.length < maxTail ? loaded : this.catchUp(stream, loaded);
    }
    return this.catchUp(
      stream,
      this.fromSnapshot(await this.snapshots.load(stream, this.codec.version, keys), keys, cached),
    );
  }

  /** Folds every event after `loaded.revision` into it. */
  async catchUp(stream: string, loaded: Loaded<S, E>): Promise<Loaded<S, E>> {
    return this.folded(loaded, await readFrom(this.store, stream, loaded.revision + 1));
  }

  /**
   * The state after our own append of `events`, which the store wrote ending at `written`.
   * Saves a snapshot when one is due; after a save the state keeps only its core (the entries
   * are in the store now) and a filter of the keys written, so a cached state stays small.
   */
  async appended(
    stream: string,
    loaded: Loaded<S, E>,
    events: readonly E[],
    written: { revision: number; position: number },
  ): Promise<Loaded<S, E>> {
    const firstNew = written.revision - events.length + 1;
    const after = this.folded(
      loaded,
      events.map((event, i) => ({ revision: firstNew + i, event })),
      written.position,
    );
    const codec = this.codec;
    if (!codec || !this.snapshots || written.revision - loaded.snapshotRevision < this.snapshotEvery) return after;
    const touched = new Map<string, { key: string; revision: number; value: unknown }>();
    for (const { revision, event } of after.sinceSnapshot) {
      const entry = codec.entryOf(event);
      if (entry) touched.set(entry.key, { key: entry.key, revision, value: entry.entry });
    }
    const core = codec.coreOf(after.state);
    try {
      await this.snapshots.save(stream, { version: codec.version, ...written, core, entries: [...touched.values()] });
    } catch (error) {
      this.onSnapshotError?.(error, stream);
      return after;
    }
    const saved = {
      revision: written.revision,
      position: written.position,
      snapshotRevision: written.revision,
      sinceSnapshot: [],
    };
    if (after.knowsAll && after.known.size <= CACHED_KEYS_PER_STREAM) return { ...after, ...saved };
    let keysWritten = after.keysWritten;
    if (after.knowsAll) {
      keysWritten = new KeyFilter();
      for (const key of after.known) keysWritten.add(key);
    }
    // The entries just written stay: the next command most likely names one (a capture after its
    // reservation). The state is what a load of the snapshot with these keys would give.
    const recent = new Map([...touched.values()].map((e) => [e.key, e.value]));
    return {
      ...saved,
      state: codec.fromSnapshot(core, recent),
      known: new Set(recent.keys()),
      knowsAll: false,
      keysWritten,
    };
  }

  private empty(): Loaded<S, E> {
    return {
      state: this.decider.initialState(),
      revision: -1,
      position: 0,
      snapshotRevision: -1,
      sinceSnapshot: [],
      known: new Set(),
      knowsAll: true,
    };
  }

  private fromSnapshot(snapshot: Snapshot | undefined, keys: readonly string[], cached?: Loaded<S, E>): Loaded<S, E> {
    if (!this.codec || !snapshot) return { ...this.empty(), known: new Set(keys) };
    // Lent only when it covers a prefix of the stream this snapshot continues.
    const keysWritten = cached && cached.revision >= snapshot.revision ? cached.keysWritten : undefined;
    const entries = new Map<string, unknown>();
    // An entry newer than the core was saved after it was read: the tail rebuilds it.
    for (const entry of snapshot.entries) if (entry.revision <= snapshot.revision) entries.set(entry.key, entry.value);
    const state = this.codec.fromSnapshot(snapshot.core, entries);
    return {
      state,
      revision: snapshot.revision,
      position: snapshot.position,
      snapshotRevision: snapshot.revision,
      sinceSnapshot: [],
      known: new Set(keys),
      knowsAll: false,
      keysWritten,
    };
  }

  /** Folds the next events after `loaded.revision` (recorded ones, or our own with their revisions). */
  private folded(
    loaded: Loaded<S, E>,
    next: ReadonlyArray<RecordedEvent | { revision: number; event: E }>,
    lastPosition?: number,
  ): Loaded<S, E> {
    if (next.length === 0) return loaded;
    // Recorded events of this stream are this decider's events (one decider per stream category).
    const withRevisions = next.map((n) =>
      'event' in n ? n : { revision: n.revision, event: { type: n.type, data: n.data } as E },
    );
    const events = withRevisions.map((n) => n.event);
    const last = next[next.length - 1]!;
    const known = new Set(loaded.known);
    for (const event of this.codec ? events : []) {
      const key = this.codec!.entryOf(event)?.key;
      if (key === undefined) continue;
      known.add(key);
      // Shared with the state it was folded from: only ever adds, see KeyFilter.
      loaded.keysWritten?.add(key);
    }
    return {
      state: this.decider.fold
        ? this.decider.fold(events, loaded.state)
        : events.reduce(this.decider.evolve, loaded.state),
      revision: last.revision,
      position: lastPosition ?? ('position' in last ? last.position : loaded.position),
      snapshotRevision: loaded.snapshotRevision,
      // Without snapshots nothing is ever saved, so nothing needs remembering.
      sinceSnapshot: this.codec ? [...loaded.sinceSnapshot, ...withRevisions] : [],
      known,
      knowsAll: loaded.knowsAll,
      keysWritten: loaded.keysWritten,
    };
  }
}
