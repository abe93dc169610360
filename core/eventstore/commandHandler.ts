import { WrongExpectedRevision } from './errors.js';
import { deterministicUuid } from './eventIds.js';
import type { SnapshotStore } from './snapshotStore.js';
import { READ_MAX_COUNT, type EventMetadata, type EventStore, type NewEvent, type RecordedEvent } from './types.js';

/**
 * Command handling for any decider: load the stream's state, decide, append with the exact
 * expected revision; on a conflict catch up with what the other writer appended and decide
 * again, a bounded number of times.
 */

/**
 * Attempts per command before `ConcurrencyExhausted`. One account is written by one user, the
 * sweeper and webhooks: a handful of writers at worst. Each lost attempt means another writer
 * made progress, so with N concurrent writers the last one needs N attempts; 20 covers bursts
 * far beyond a real account's and still bounds the work of one call.
 */
export const MAX_COMMAND_ATTEMPTS = 20;

/**
 * Take a snapshot once this many events were appended since the last one. Loading costs at most
 * this many events of tail beyond the snapshot; saving costs the entries those events touched.
 */
export const SNAPSHOT_EVERY_EVENTS = 64;

export interface DomainEvent {
  type: string;
  data: unknown;
}

export type DecisionOf<E, R> = { ok: true; events: E[] } | { ok: false; rejection: R };

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
  decide(command: C, state: S): DecisionOf<E, R>;
  /** The metadata every event of this command carries (occurredAt, actor, correlation). */
  metadataOf(command: C): EventMetadata;
  snapshots?: SnapshotCodec<C, E, S>;
}

/**
 * `revision` and `position` are the stream's after the command: of the last event written, or,
 * for a rejection or a command that wrote nothing, of the last event the decision saw
 * (-1 and 0 when the stream does not exist).
 */
export type CommandResult<R> =
  | { ok: true; events: NewEvent[]; revision: number; position: number }
  | { ok: false; rejection: R; revision: number; position: number };

/** The stream kept changing under us for `MAX_COMMAND_ATTEMPTS` attempts. Nothing was written. */
export class ConcurrencyExhausted extends Error {
  readonly code = 'concurrency_exhausted';
  constructor(
    readonly stream: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`stream ${stream}: still conflicting after ${attempts} attempts`, options);
    this.name = 'ConcurrencyExhausted';
  }
}

export interface CommandHandlerOptions {
  store: EventStore;
  /** Without it (or without a codec on the decider) every command folds the whole stream. */
  snapshots?: SnapshotStore;
  maxAttempts?: number;
  snapshotEveryEvents?: number;
  /** Awaited before a retry. The core has no clock, so a jittered sleep comes from the adapter. */
  backoff?: (attempt: number) => Promise<void>;
  /** A snapshot save failed after the command succeeded; the command's result stands. */
  onSnapshotError?: (error: unknown, stream: string) => void;
}

interface Loaded<S, E> {
  state: S;
  revision: number;
  position: number;
  snapshotRevision: number;
  /** Events folded after the snapshot, with their revisions: their entries go in the next save. */
  sinceSnapshot: Array<{ revision: number; event: E }>;
}

const readFrom = async (store: EventStore, stream: string, fromRevision: number): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readStream(stream, { fromRevision: fromRevision + events.length, maxCount: READ_MAX_COUNT });
    events.push(...page);
    if (page.length < READ_MAX_COUNT) return events;
  }
};

export type CommandHandler<C, R> = (stream: string, command: C) => Promise<CommandResult<R>>;

export const createCommandHandler = <C, E extends DomainEvent, S, R>(
  decider: CommandDecider<C, E, S, R>,
  options: CommandHandlerOptions,
): CommandHandler<C, R> => {
  const { store } = options;
  const codec = options.snapshots ? decider.snapshots : undefined;
  const maxAttempts = options.maxAttempts ?? MAX_COMMAND_ATTEMPTS;
  const snapshotEvery = options.snapshotEveryEvents ?? SNAPSHOT_EVERY_EVENTS;
  const fold = (events: readonly E[], state: S): S => (decider.fold ? decider.fold(events, state) : events.reduce(decider.evolve, state));

  /** Folds the events after `loaded.revision` into it. */
  const catchUp = async (stream: string, loaded: Loaded<S, E>): Promise<Loaded<S, E>> => {
    const recorded = await readFrom(store, stream, loaded.revision + 1);
    if (recorded.length === 0) return loaded;
    // The store returns what was appended; these are this decider's events by the stream's category.
    const events = recorded.map((r) => ({ type: r.type, data: r.data }) as E);
    const last = recorded[recorded.length - 1]!;
    return {
      state: fold(events, loaded.state),
      revision: last.revision,
      position: last.position,
      snapshotRevision: loaded.snapshotRevision,
      sinceSnapshot: [...loaded.sinceSnapshot, ...recorded.map((r, i) => ({ revision: r.revision, event: events[i]! }))],
    };
  };

  const load = async (stream: string, command: C): Promise<Loaded<S, E>> => {
    const snapshot = codec ? await options.snapshots!.load(stream, codec.version, codec.keysOf(command)) : undefined;
    if (!codec || !snapshot) {
      return catchUp(stream, { state: decider.initialState(), revision: -1, position: 0, snapshotRevision: -1, sinceSnapshot: [] });
    }
    const entries = new Map<string, unknown>();
    for (const entry of snapshot.entries) if (entry.revision <= snapshot.revision) entries.set(entry.key, entry.value);
    const state = codec.fromSnapshot(snapshot.core, entries);
    return catchUp(stream, { state, revision: snapshot.revision, position: snapshot.position, snapshotRevision: snapshot.revision, sinceSnapshot: [] });
  };

  const saveSnapshot = async (stream: string, loaded: Loaded<S, E>, events: E[], written: { revision: number; position: number }) => {
    if (!codec || written.revision - loaded.snapshotRevision < snapshotEvery) return;
    const firstNew = written.revision - events.length + 1;
    const touched = new Map<string, { key: string; revision: number; value: unknown }>();
    const all = [...loaded.sinceSnapshot, ...events.map((event, i) => ({ revision: firstNew + i, event }))];
    for (const { revision, event } of all) {
      const entry = codec.entryOf(event);
      if (entry) touched.set(entry.key, { key: entry.key, revision, value: entry.entry });
    }
    const core = codec.coreOf(fold(events, loaded.state));
    try {
      await options.snapshots!.save(stream, { version: codec.version, ...written, core, entries: [...touched.values()] });
    } catch (error) {
      options.onSnapshotError?.(error, stream);
    }
  };

  return async (stream, command) => {
    let loaded = await load(stream, command);
    for (let attempt = 1; ; attempt++) {
      const decision = decider.decide(command, loaded.state);
      const at = { revision: loaded.revision, position: loaded.position };
      if (!decision.ok) return { ok: false, rejection: decision.rejection, ...at };
      if (decision.events.length === 0) return { ok: true, events: [], ...at };
      const metadata = decider.metadataOf(command);
      const events: NewEvent[] = decision.events.map((event, index) => ({
        // Same stream, slot and content → same id: the store recognises a retried append.
        id: deterministicUuid(stream, String(loaded.revision), event.type, JSON.stringify(event.data), String(index)),
        type: event.type,
        data: event.data,
        metadata,
      }));
      try {
        const written = await store.appendToStream(stream, events, { expected: loaded.revision === -1 ? 'no_stream' : loaded.revision });
        await saveSnapshot(stream, loaded, decision.events, written);
        return { ok: true, events, revision: written.revision, position: written.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        if (attempt >= maxAttempts) throw new ConcurrencyExhausted(stream, attempt, { cause: error });
        await options.backoff?.(attempt);
        loaded = await catchUp(stream, loaded);
      }
    }
  };
};
