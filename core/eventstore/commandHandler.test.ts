import t from 'tap';
import type { CommandDecider } from './commandDecider.js';
import { ConcurrencyExhausted, createCommandHandler } from './commandHandler.js';
import { StoreUnavailable, WrongExpectedRevision } from './errors.js';
import { MemoryEventStore } from './memoryEventStore.js';
import { MemorySnapshotStore } from './memorySnapshotStore.js';
import { CACHED_KEYS_PER_STREAM } from './streamLoader.js';
import type { AppendResult, Expected, NewEvent } from './types.js';

// A tally: `Add { id, n }` adds n once per id; ids are the ever-growing part of the state.
type Add = { id: string; n: number };
type Added = { type: 'Added'; data: { id: string; n: number } };
type Tally = { total: number; seen: ReadonlyMap<string, number> };

const tally: CommandDecider<Add, Added, Tally, 'too_much' | 'id_reused'> = {
  initialState: () => ({ total: 0, seen: new Map() }),
  evolve: (s, e) => ({ total: s.total + e.data.n, seen: new Map(s.seen).set(e.data.id, e.data.n) }),
  decide: (c, s) => {
    const seen = s.seen.get(c.id);
    if (seen !== undefined) return seen === c.n ? { ok: true, events: [] } : { ok: false, rejection: 'id_reused' };
    if (s.total + c.n > 100) return { ok: false, rejection: 'too_much' };
    return { ok: true, events: [{ type: 'Added', data: { id: c.id, n: c.n } }] };
  },
  metadataOf: () => ({ occurredAt: '2025-01-01T00:00:00.000Z' }),
  snapshots: {
    version: 'tally-v1',
    keysOf: (c) => [c.id],
    entryOf: (e) => ({ key: e.data.id, entry: e.data.n }),
    coreOf: (s) => s.total,
    fromSnapshot: (core, entries) => ({ total: core as number, seen: entries as ReadonlyMap<string, number> }),
  },
};

const STREAM = 'tally-1';

/** A store that lets another writer in just before our next appends. */
class Interfering extends MemoryEventStore {
  constructor(public interferences: number) {
    super();
  }
  override async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expected: Expected },
  ): Promise<AppendResult> {
    if (this.interferences > 0) {
      this.interferences -= 1;
      const head = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
      const rival = {
        id: `00000000-0000-4000-8000-${String(this.interferences).padStart(12, '0')}`,
        type: 'Added',
        data: { id: `rival-${this.interferences}`, n: 1 },
        metadata: { occurredAt: '2025-01-01T00:00:00.000Z' },
      };
      await super.appendToStream(stream, [rival], { expected: head[0]?.revision ?? 'no_stream' });
    }
    return super.appendToStream(stream, events, options);
  }
}

t.test('appends with the exact revision and returns the events and position written', async (t) => {
  const store = new MemoryEventStore();
  const handle = createCommandHandler(tally, { store });
  const first = await handle(STREAM, { id: 'a', n: 5 });
  t.match(first, { ok: true, revision: 0, position: 1, events: [{ type: 'Added', data: { id: 'a', n: 5 } }] });
  const again = await handle(STREAM, { id: 'a', n: 5 });
  t.same(again, { ok: true, events: [], revision: 0, position: 1 }, 'a no-op reports where the stream is');
  t.same(await handle(STREAM, { id: 'b', n: 500 }), { ok: false, rejection: 'too_much', revision: 0, position: 1 });
  t.same(await handle('tally-none', { id: 'b', n: 500 }), {
    ok: false,
    rejection: 'too_much',
    revision: -1,
    position: 0,
  });
});

t.test('on a conflict it catches up and decides again', async (t) => {
  const store = new Interfering(3);
  const result = await createCommandHandler(tally, { store })(STREAM, { id: 'a', n: 5 });
  t.match(result, { ok: true, revision: 3 });
  t.equal((await store.readStream(STREAM)).length, 4);
});

t.test("the decision after a conflict sees the rival's event", async (t) => {
  const store = new Interfering(0);
  await store.appendToStream(
    STREAM,
    [
      {
        id: '00000000-0000-4000-8000-00000000aaaa',
        type: 'Added',
        data: { id: 'x', n: 99 },
        metadata: { occurredAt: '2025-01-01T00:00:00.000Z' },
      },
    ],
    { expected: 'no_stream' },
  );
  store.interferences = 1;
  const result = await createCommandHandler(tally, { store })(STREAM, { id: 'a', n: 1 });
  t.match(result, { ok: false, rejection: 'too_much' }, '99 + rival 1 + 1 > 100');
});

t.test('gives up with ConcurrencyExhausted after the bounded attempts, with backoff between', async (t) => {
  const store = new Interfering(1000);
  const waits: number[] = [];
  const handle = createCommandHandler(tally, {
    store,
    maxAttempts: 4,
    backoff: async (attempt) => void waits.push(attempt),
  });
  const error = await handle(STREAM, { id: 'a', n: 1 }).catch((e: unknown) => e);
  t.ok(error instanceof ConcurrencyExhausted);
  t.match(error, { code: 'concurrency_exhausted', stream: STREAM, attempts: 4 });
  t.ok((error as Error).cause instanceof WrongExpectedRevision);
  t.same(waits, [1, 2, 3]);
});

t.test(
  'other store failures pass through untouched (the outcome is unknown: the caller retries the command)',
  async (t) => {
    const store = new MemoryEventStore();
    store.appendToStream = async () => {
      throw new StoreUnavailable('down');
    };
    await t.rejects(createCommandHandler(tally, { store })(STREAM, { id: 'a', n: 1 }), StoreUnavailable);
  },
);

t.test('the same decision from two callers at the same revision is written once (deterministic ids)', async (t) => {
  const store = new MemoryEventStore();
  const handle = createCommandHandler(tally, { store });
  await handle(STREAM, { id: 'a', n: 1 });
  const [x, y] = await Promise.all([handle(STREAM, { id: 'b', n: 2 }), handle(STREAM, { id: 'b', n: 2 })]);
  t.match(x, { ok: true, revision: 1 });
  t.match(y, { ok: true, revision: 1 });
  t.equal((await store.readStream(STREAM)).length, 2);
});

t.test('snapshots: taken every N events, loaded with only the named entries, same answers', async (t) => {
  const store = new MemoryEventStore();
  const snapshots = new MemorySnapshotStore();
  const withSnapshots = createCommandHandler(tally, { store, snapshots, snapshotEveryEvents: 3 });
  const plain = createCommandHandler(tally, { store });
  for (let i = 0; i < 10; i++) t.match(await withSnapshots(STREAM, { id: `id-${i}`, n: 1 }), { ok: true, revision: i });
  t.equal(snapshots.saves, 3, 'at revisions 2, 5 and 8');
  const loaded = await snapshots.load(STREAM, 'tally-v1', ['id-1', 'id-9']);
  t.match(loaded, { revision: 8, position: 9, core: 9, entries: [{ key: 'id-1', revision: 1, value: 1 }] });
  t.same(await withSnapshots(STREAM, { id: 'id-1', n: 1 }), await plain(STREAM, { id: 'id-1', n: 1 }));
  t.same(await withSnapshots(STREAM, { id: 'id-9', n: 2 }), {
    ok: false,
    rejection: 'id_reused',
    revision: 9,
    position: 10,
  });
  t.same(await withSnapshots(STREAM, { id: 'id-x', n: 95 }), await plain(STREAM, { id: 'id-x', n: 95 }));
});

t.test('snapshots: an entry newer than the core is dropped and rebuilt from the stream', async (t) => {
  const store = new MemoryEventStore();
  const snapshots = new MemorySnapshotStore();
  const handle = createCommandHandler(tally, { store, snapshots, snapshotEveryEvents: 1000 });
  await handle(STREAM, { id: 'a', n: 1 });
  await handle(STREAM, { id: 'b', n: 1 });
  // A save that raced ahead wrote entry b (revision 1) while the core is still at revision 0.
  await snapshots.save(STREAM, {
    version: 'tally-v1',
    revision: 0,
    position: 1,
    core: 1,
    entries: [{ key: 'b', revision: 1, value: 1 }],
  });
  t.same(await handle(STREAM, { id: 'b', n: 1 }), { ok: true, events: [], revision: 1, position: 2 });
});

t.test('snapshots: another version is ignored, and a failed save does not fail the command', async (t) => {
  const store = new MemoryEventStore();
  const snapshots = new MemorySnapshotStore();
  await snapshots.save(STREAM, { version: 'tally-v0', revision: 50, position: 50, core: 1000, entries: [] });
  const errors: unknown[] = [];
  snapshots.save = async () => {
    throw new Error('disk full');
  };
  const handle = createCommandHandler(tally, {
    store,
    snapshots,
    snapshotEveryEvents: 1,
    onSnapshotError: (e) => void errors.push(e),
  });
  t.match(await handle(STREAM, { id: 'a', n: 1 }), { ok: true, revision: 0 });
  t.equal(errors.length, 1);
});

t.test(
  'a cached state past its entry limit decides new ids without a lookup, and still recognises old ones',
  async (t) => {
    const store = new MemoryEventStore();
    let loads = 0;
    const snapshots = new MemorySnapshotStore();
    const load = snapshots.load.bind(snapshots);
    snapshots.load = (...args) => {
      loads += 1;
      return load(...args);
    };
    const handle = createCommandHandler(tally, { store, snapshots, snapshotEveryEvents: 8 });
    const plain = createCommandHandler(tally, { store });
    const ids = CACHED_KEYS_PER_STREAM * 3;
    const revisions: number[] = [];
    for (let i = 0; i < ids; i++) {
      const result = await handle(STREAM, { id: `k${i}`, n: 0 });
      revisions.push(result.ok && result.events.length === 1 ? result.revision : -1);
    }
    t.same(
      revisions,
      Array.from({ length: ids }, (_, i) => i),
      'every new id written once, in order',
    );
    t.ok(loads <= 1, `${ids} new ids, ${loads} lookup(s): only the first command loads`);
    t.ok(snapshots.saves >= ids / 8 - 1, 'entries were dropped from memory at every save');
    loads = 0;
    // Long dropped from memory: a lookup finds them, so a reuse is refused and a repeat is a no-op.
    t.same(await handle(STREAM, { id: 'k3', n: 2 }), {
      ok: false,
      rejection: 'id_reused',
      revision: ids - 1,
      position: ids,
    });
    t.same(
      await handle(STREAM, { id: 'k4', n: 0 }),
      await plain(STREAM, { id: 'k4', n: 0 }),
      'a repeat writes nothing',
    );
    t.ok(loads >= 2, 'old ids are looked up');
    t.equal((await store.readStream(STREAM, { maxCount: 10_000 })).length, ids, 'nothing was written twice');
    loads = 0;
    for (let i = 0; i < 20; i++) await handle(STREAM, { id: `after-${i}`, n: 0 });
    t.equal(loads, 0, 'the state loaded for an old id keeps knowing which ids are new');
    t.same(
      await handle(STREAM, { id: 'after-3', n: 1 }),
      { ok: false, rejection: 'id_reused', revision: ids + 19, position: ids + 20 },
      'and one written since is recognised',
    );
  },
);
