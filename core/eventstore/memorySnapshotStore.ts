import { SNAPSHOT_LOAD_MAX_KEYS, type Snapshot, type SnapshotStore } from './snapshotStore.js';

interface Stored {
  version: string;
  revision: number;
  position: number;
  core: string;
  entries: Map<string, { revision: number; value: string }>;
}

/**
 * An in-memory SnapshotStore for unit tests. It keeps values as JSON text, as a database would,
 * so a state that does not survive JSON (a Map, a Date) fails here first.
 */
export class MemorySnapshotStore implements SnapshotStore {
  private readonly streams = new Map<string, Stored>();
  /** How many saves were made, for tests that check snapshots are taken. */
  saves = 0;

  async load(stream: string, version: string, keys: readonly string[]): Promise<Snapshot | undefined> {
    if (keys.length > SNAPSHOT_LOAD_MAX_KEYS) throw new RangeError(`at most ${SNAPSHOT_LOAD_MAX_KEYS} keys per load`);
    const stored = this.streams.get(stream);
    if (!stored || stored.version !== version) return undefined;
    const entries = [...new Set(keys)].flatMap((key) => {
      const entry = stored.entries.get(key);
      return entry ? [{ key, revision: entry.revision, value: JSON.parse(entry.value) as unknown }] : [];
    });
    return {
      version,
      revision: stored.revision,
      position: stored.position,
      core: JSON.parse(stored.core) as unknown,
      entries,
    };
  }

  async save(stream: string, snapshot: Snapshot): Promise<void> {
    this.saves += 1;
    let stored = this.streams.get(stream);
    if (!stored || stored.version !== snapshot.version) {
      stored = { version: snapshot.version, revision: -1, position: 0, core: 'null', entries: new Map() };
      this.streams.set(stream, stored);
    }
    for (const entry of snapshot.entries) {
      const current = stored.entries.get(entry.key);
      if (!current || current.revision < entry.revision) {
        stored.entries.set(entry.key, { revision: entry.revision, value: JSON.stringify(entry.value) });
      }
    }
    if (snapshot.revision > stored.revision) {
      stored.revision = snapshot.revision;
      stored.position = snapshot.position;
      stored.core = JSON.stringify(snapshot.core);
    }
  }

  /** Forget a stream's snapshot (tests of the no-snapshot path). */
  drop(stream: string): void {
    this.streams.delete(stream);
  }
}
