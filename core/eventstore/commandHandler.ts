import { WrongExpectedRevision } from './errors.js';
import { deterministicUuid } from './eventIds.js';
import type { SnapshotStore } from './snapshotStore.js';
import { StreamLoader, type Loaded } from './streamLoader.js';
import type { CommandDecider, DomainEvent } from './commandDecider.js';
import type { EventMetadata, EventStore, NewEvent } from './types.js';

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
 * Take a snapshot once this many events were appended since the last one. A load reads at most
 * about this many events of tail beyond the snapshot; a save is one more write transaction per
 * this many events and costs the entries those events touched. Measured on the ledger bench
 * (scripts/bench/ledger.ts): 16 to 64 perform alike, within the noise; 32 sits in the middle.
 */
export const SNAPSHOT_EVERY_EVENTS = 32;

/**
 * Streams whose last seen state one handler keeps in memory. A state is its snapshot core plus at
 * most CACHED_KEYS_PER_STREAM index entries, a 4 kB filter of the keys written (KeyFilter) and the
 * unsaved tail: tens of kB at worst, so tens of MB for the whole cache at worst.
 */
export const CACHED_STREAMS = 1_000;

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
  /** Streams whose last state is kept in memory; 0 turns the cache off. */
  cachedStreams?: number;
}

export type CommandHandler<C, R> = (stream: string, command: C) => Promise<CommandResult<R>>;

/**
 * The last state this process saw of recently used streams, most recent last. Bounded: a state is
 * small (a snapshot core, the entries touched since the last snapshot), and the least recently
 * used goes first. A cached state is only ever a guess (another process may have appended since),
 * never trusted for an answer: see the handler.
 */
class StateCache<T extends { revision: number }> {
  private readonly states = new Map<string, T>();
  constructor(private readonly max: number) {}

  take(stream: string): T | undefined {
    const state = this.states.get(stream);
    this.states.delete(stream);
    return state;
  }

  put(stream: string, state: T, worthKeeping: boolean): void {
    if (this.max === 0 || !worthKeeping) return;
    const current = this.states.get(stream);
    if (current && current.revision > state.revision) return;
    this.states.delete(stream);
    this.states.set(stream, state);
    if (this.states.size > this.max) this.states.delete(this.states.keys().next().value!);
  }
}

/**
 * Handles commands for one decider. Per command: load (snapshot + named entries + tail, or a
 * cached state), decide, append at the exact expected revision; on a conflict catch up with
 * what the other writer appended and decide again, up to `maxAttempts` times.
 *
 * The cache saves the load's round trip when this process wrote the stream last and the command
 * names only ids the cached state knows (a capture right after its reservation). That is safe
 * because a cached state is only used to write: the append succeeds only if the stream is still at
 * the cached revision, i.e. the state was exact. A rejection or a no-op decided on a cached state
 * is not returned as is: the handler first catches up with the stream and decides again.
 */
export const createCommandHandler = <C, E extends DomainEvent, S, R>(
  decider: CommandDecider<C, E, S, R>,
  options: CommandHandlerOptions,
): CommandHandler<C, R> => {
  const { store } = options;
  const maxAttempts = options.maxAttempts ?? MAX_COMMAND_ATTEMPTS;
  const loader = new StreamLoader(
    decider,
    store,
    options.snapshots,
    options.snapshotEveryEvents ?? SNAPSHOT_EVERY_EVENTS,
    options.onSnapshotError,
  );
  const cache = new StateCache<Loaded<S, E>>(options.cachedStreams ?? CACHED_STREAMS);

  const eventsOf = (stream: string, loaded: Loaded<S, E>, decided: readonly E[], metadata: EventMetadata): NewEvent[] =>
    decided.map((event, index) => ({
      // Same stream, slot and content → same id: the store recognises a retried append.
      id: deterministicUuid(stream, String(loaded.revision), event.type, JSON.stringify(event.data), String(index)),
      type: event.type,
      data: event.data,
      metadata,
    }));

  return async (stream, command) => {
    const keys = loader.keysOf(command);
    const cached = cache.take(stream);
    let exact = !(cached && loader.knows(cached, keys));
    let loaded = exact ? await loader.load(stream, keys, cached) : cached!;
    for (let attempt = 1; ;) {
      const decision = decider.decide(command, loaded.state);
      const at = { revision: loaded.revision, position: loaded.position };
      if (!exact && (!decision.ok || decision.events.length === 0)) {
        loaded = await loader.catchUp(stream, loaded);
        exact = true;
        continue;
      }
      if (!decision.ok || decision.events.length === 0) {
        cache.put(stream, loaded, loader.cacheable(loaded));
        return decision.ok ? { ok: true, events: [], ...at } : { ok: false, rejection: decision.rejection, ...at };
      }
      const events = eventsOf(stream, loaded, decision.events, decider.metadataOf(command));
      try {
        const written = await store.appendToStream(stream, events, {
          expected: loaded.revision === -1 ? 'no_stream' : loaded.revision,
        });
        const after = await loader.appended(stream, loaded, decision.events, written);
        cache.put(stream, after, loader.cacheable(after));
        return { ok: true, events, revision: written.revision, position: written.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        if (attempt >= maxAttempts) throw new ConcurrencyExhausted(stream, attempt, { cause: error });
        await options.backoff?.(attempt);
        attempt += 1;
        loaded = await loader.catchUp(stream, loaded);
        exact = true;
      }
    }
  };
};
