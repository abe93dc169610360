import t from 'tap';
import { testDatabase } from '../../../test/support/database.js';
import { PostgresEventStore } from './index.js';
import { PostgresSnapshotStore } from './snapshotStore.js';

const STREAM = 'account-42';
const snapshot = (revision: number, entries: Array<[string, number, unknown]>, version = 'v1') => ({
  version,
  revision,
  position: revision + 100,
  core: { balance: revision, holds: [{ id: 'r "1"' }] },
  entries: entries.map(([key, rev, value]) => ({ key, revision: rev, value })),
});

t.test('PostgresSnapshotStore', async (t) => {
  const { pool } = await testDatabase(t);
  const store = new PostgresSnapshotStore(pool);

  t.test('nothing saved: undefined', async (t) => {
    t.equal(await store.load(STREAM, 'v1', ['a']), undefined);
  });

  t.test('loads the core and only the entries asked for', async (t) => {
    await store.save(
      STREAM,
      snapshot(5, [
        ['payment:a', 1, { credits: 10, note: 'quote " and {brace}' }],
        ['payment:b', 4, { credits: 20 }],
      ]),
    );
    t.same(await store.load(STREAM, 'v1', ['payment:a', 'payment:zzz']), {
      version: 'v1',
      revision: 5,
      position: 105,
      core: { balance: 5, holds: [{ id: 'r "1"' }] },
      entries: [{ key: 'payment:a', revision: 1, value: { credits: 10, note: 'quote " and {brace}' } }],
    });
    t.same((await store.load(STREAM, 'v1', []))?.entries, []);
    t.equal(await store.load(STREAM, 'v0', ['payment:a']), undefined, 'another version is not returned');
  });

  t.test('neither core nor entries move backwards', async (t) => {
    await store.save(STREAM, snapshot(9, [['payment:a', 7, { credits: 11 }]]));
    await store.save(
      STREAM,
      snapshot(6, [
        ['payment:a', 1, { credits: 10 }],
        ['payment:c', 6, { credits: 30 }],
      ]),
    );
    const loaded = await store.load(STREAM, 'v1', ['payment:a', 'payment:c']);
    t.equal(loaded?.revision, 9);
    t.same(loaded?.entries.map((e) => [e.key, e.revision]).sort(), [
      ['payment:a', 7],
      ['payment:c', 6],
    ]);
  });

  t.test('a new version replaces the old snapshot and its entries', async (t) => {
    await store.save(STREAM, snapshot(3, [['payment:d', 2, 1]], 'v2'));
    t.equal(await store.load(STREAM, 'v1', ['payment:a']), undefined);
    t.same((await store.load(STREAM, 'v2', ['payment:a', 'payment:d']))?.entries, [
      { key: 'payment:d', revision: 2, value: 1 },
    ]);
  });

  t.test('concurrent saves of one stream with overlapping keys neither deadlock nor go backwards', async (t) => {
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await Promise.all(
      Array.from({ length: 12 }, (_, n) => {
        const order = n % 2 ? [...keys].reverse() : keys;
        return store.save(
          'account-7',
          snapshot(
            100 + n,
            order.map((k) => [k, 100 + n, n]),
          ),
        );
      }),
    );
    const loaded = await store.load('account-7', 'v1', keys);
    t.equal(loaded?.revision, 111);
    t.ok(loaded?.entries.every((e) => e.revision === 111 && e.value === 11));
  });
});

t.test('loadWithTail: snapshot, named entries and the events after it in one query', async (t) => {
  const { pool } = await testDatabase(t);
  const events = new PostgresEventStore(pool);
  t.teardown(() => events.close());
  t.equal(new PostgresSnapshotStore(pool).loadWithTail, undefined, 'only offered when events share the database');
  const store = new PostgresSnapshotStore(pool, { eventsInSameDatabase: true });
  const event = (n: number) => ({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'Noted',
    data: { n, text: 'a "quoted" {x}' },
    metadata: { occurredAt: '2025-01-01T00:00:00.000Z' },
  });
  await events.appendToStream('account-9', [event(0), event(1), event(2), event(3)], { expected: 'no_stream' });

  const none = await store.loadWithTail!('account-9', 'v1', ['k'], 3);
  t.equal(none.snapshot, undefined);
  t.same(
    none.tail.map((e) => e.revision),
    [0, 1, 2],
    'without a snapshot: from the start, at most maxTail',
  );
  t.same(none.tail, (await events.readStream('account-9')).slice(0, 3), 'the same events readStream gives');

  await store.save(
    'account-9',
    snapshot(1, [
      ['k', 1, 'kept'],
      ['other', 0, 'not asked'],
    ]),
  );
  const some = await store.loadWithTail!('account-9', 'v1', ['k'], 10);
  t.match(some.snapshot, { revision: 1, entries: [{ key: 'k', revision: 1, value: 'kept' }] });
  t.same(
    some.tail.map((e) => e.data),
    [
      { n: 2, text: 'a "quoted" {x}' },
      { n: 3, text: 'a "quoted" {x}' },
    ],
  );
  t.same(await store.loadWithTail!('account-nothing', 'v1', ['k'], 10), { snapshot: undefined, tail: [] });
});
