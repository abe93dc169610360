import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import t, { type Test } from 'tap';
import { PostgresEventStore } from '../adapters/eventstore/postgres/index.js';
import { MemoryEventStore, type EventStore, type NewEvent } from '../core/eventstore/index.js';
import { testDatabase } from '../test/support/database.js';
import { waitFor } from '../test/support/waitFor.js';
import { readCheckpoint } from './checkpoints.js';
import { readQuarantine, repairStream } from './quarantine.js';
import { UnprojectableEvent } from './errors.js';
import { ProjectorRunner } from './runner.js';
import { projectionStatus } from './status.js';
import type { Projection } from './types.js';

/** A small projection of test events: one row per `counter-*` stream, the sum of its `Counted`. */
const counter: Projection = {
  name: 'counter',
  filter: { categories: ['counter'], eventTypes: ['Counted'] },
  tables: ['test_counts'],
  async apply(client, events, tables) {
    for (const event of events) {
      const n = (event.data as { n?: unknown }).n;
      if (typeof n !== 'number') throw new UnprojectableEvent(event, 'data.n is not a number');
      await client.query(
        `INSERT INTO ${tables.test_counts} AS c (stream, total, last_position) VALUES ($1, $2, $3)
         ON CONFLICT (stream) DO UPDATE SET total = c.total + EXCLUDED.total, last_position = EXCLUDED.last_position
         WHERE c.last_position < EXCLUDED.last_position`,
        [event.stream, n, event.position],
      );
    }
  },
};

const counted = (n: unknown, type = 'Counted'): NewEvent => ({
  id: randomUUID(),
  type,
  data: { n },
  metadata: { occurredAt: new Date().toISOString() },
});

const setup = async (t: Test, backend: 'memory' | 'postgres'): Promise<{ pool: pg.Pool; store: EventStore }> => {
  const { pool } = await testDatabase(t);
  await pool.query(
    'CREATE TABLE test_counts (stream text PRIMARY KEY, total int NOT NULL, last_position bigint NOT NULL)',
  );
  const store = backend === 'memory' ? new MemoryEventStore() : new PostgresEventStore(pool);
  t.teardown(() => store.close());
  return { pool, store };
};

const runner = (t: Test, pool: pg.Pool, store: EventStore, batchSize = 3): ProjectorRunner => {
  const r = new ProjectorRunner({ store, pool, projection: counter, batchSize, idlePollMs: 5, standbyRetryMs: 50 });
  t.teardown(() => r.stop());
  return r;
};

const until = async (what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void> => {
  await waitFor(what, check, { timeoutMs });
};

const totals = async (pool: pg.Pool) =>
  Object.fromEntries(
    (await pool.query('SELECT stream, total FROM test_counts ORDER BY stream')).rows.map((r) => [r.stream, r.total]),
  );

for (const backend of ['memory', 'postgres'] as const) {
  t.test(`${backend}: projects in batches, skips other events, and the checkpoint reaches the head`, async (t) => {
    const { pool, store } = await setup(t, backend);
    await store.appendToStream('counter-a', [counted(1), counted(2), counted(3, 'Reset'), counted(4)], {
      expected: 'no_stream',
    });
    await store.appendToStream('other-a', [counted(100)], { expected: 'no_stream' });
    await store.appendToStream('counter-b', [counted(10)], { expected: 'no_stream' });
    await store.appendToStream('other-b', [counted(100), counted(100)], { expected: 'no_stream' });
    const r = runner(t, pool, store);
    r.start();
    await until('the head', async () => (await readCheckpoint(pool, 'counter'))?.position === 8);
    t.same(await totals(pool), { 'counter-a': 7, 'counter-b': 10 }, 'only Counted of counter-* streams');
    t.equal(r.state, 'running');
    const health = await r.health();
    t.match(health, { name: 'counter', position: 8, head: 8, lagEvents: 0, lagSeconds: 0, state: 'running' });

    await store.appendToStream('counter-b', [counted(5)], { expected: 0 });
    await until('the live event', async () => (await totals(pool))['counter-b'] === 15);
    await store.appendToStream('other-c', [counted(1)], { expected: 'no_stream' });
    await until('past an ignored event', async () => (await readCheckpoint(pool, 'counter'))?.position === 10);
  });

  t.test(
    `${backend}: an event the handler cannot apply quarantines its stream, naming it; the others go on`,
    async (t) => {
      const { pool, store } = await setup(t, backend);
      await store.appendToStream('counter-a', [counted(1), counted(2), counted('three'), counted(4)], {
        expected: 'no_stream',
      });
      await store.appendToStream('counter-b', [counted(10)], { expected: 'no_stream' });
      const r = runner(t, pool, store, 10);
      r.start();
      await until('the head', async () => (await readCheckpoint(pool, 'counter'))?.position === 5);
      t.equal(r.state, 'running', 'not failed');
      t.same(
        await totals(pool),
        { 'counter-a': 3, 'counter-b': 10 },
        'counter-a up to the event, held back after it; counter-b applied',
      );
      t.match(await readQuarantine(pool, 'counter'), [
        { stream: 'counter-a', fromPosition: 3, eventType: 'Counted', reason: /position 3 .*data\.n is not a number/ },
      ]);
      t.match(await projectionStatus(store, pool, 'counter'), {
        state: 'running',
        position: 5,
        lagEvents: 0,
        quarantined: [{ stream: 'counter-a', fromPosition: 3 }],
      });
      await store.appendToStream('counter-b', [counted(1)], { expected: 0 });
      await store.appendToStream('counter-a', [counted(100)], { expected: 3 });
      await until('the head again', async () => (await readCheckpoint(pool, 'counter'))?.position === 7);
      t.same(
        await totals(pool),
        { 'counter-a': 3, 'counter-b': 11 },
        "counter-a's later event is held back, not applied out of order",
      );
    },
  );
}

t.test('one active instance; a standby takes over when the holder goes', async (t) => {
  const { pool, store } = await setup(t, 'postgres');
  const first = runner(t, pool, store);
  const second = runner(t, pool, store);
  first.start();
  await until('first running', async () => first.state === 'running');
  second.start();
  await until('second standing by', async () => second.state === 'standby');
  t.match(
    await projectionStatus(store, pool, 'counter'),
    { state: 'running' },
    'status sees the lock from the database',
  );
  await store.appendToStream('counter-a', [counted(1), counted(2)], { expected: 'no_stream' });
  await until('applied once', async () => (await totals(pool))['counter-a'] === 3);

  // The holder's lock connection dies (as when its process is killed): the standby takes over.
  await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'modera-projector-lock' AND query ILIKE '%advisory%' AND pid <> pg_backend_pid()`);
  await until('one of them active again', async () => first.state === 'running' || second.state === 'running');
  await first.stop();
  await until('second running', async () => second.state === 'running');
  await store.appendToStream('counter-a', [counted(4)], { expected: 1 });
  await until('the new holder projects', async () => (await totals(pool))['counter-a'] === 7);
  t.same(await totals(pool), { 'counter-a': 7 }, 'nothing applied twice');
});

t.test('a quarantined stream is applied by a repair once the handler is fixed, and projected live again', async (t) => {
  const { pool, store } = await setup(t, 'postgres');
  let fixed = false;
  const lenient: Projection = {
    ...counter,
    apply: (client, events, tables) =>
      counter.apply(
        client,
        fixed
          ? events.map((e) => (typeof (e.data as { n: unknown }).n === 'number' ? e : { ...e, data: { n: 0 } }))
          : events,
        tables,
      ),
  };
  await store.appendToStream('counter-a', [counted(1), counted('bad'), counted(2)], { expected: 'no_stream' });
  const r = new ProjectorRunner({ store, pool, projection: lenient, idlePollMs: 5, standbyRetryMs: 50 });
  t.teardown(() => r.stop());
  r.start();
  await until('the head', async () => (await readCheckpoint(pool, 'counter'))?.position === 3);
  t.match(
    await repairStream(store, pool, lenient, 'counter-a'),
    { ok: false, reason: /data\.n is not a number/ },
    'not before the fix',
  );
  fixed = true;
  t.match(await repairStream(store, pool, lenient, 'counter-a'), { ok: true, appliedEvents: 2 });
  t.same(await totals(pool), { 'counter-a': 3 });
  t.same(await readQuarantine(pool, 'counter'), [], 'quarantine lifted');
  await store.appendToStream('counter-a', [counted(10)], { expected: 2 });
  await until('the new event', async () => (await totals(pool))['counter-a'] === 13);
  t.equal(r.state, 'running');
});
