import { randomUUID } from 'node:crypto';
import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { InvalidAppend, WrongExpectedRevision, type AppendResult, type NewEvent } from '../../core/eventstore/index.js';
import { testDatabase } from '../support/database.js';
import { waitFor } from '../support/waitFor.js';

/**
 * Group commit on a real PostgreSQL. A batch is made deterministic with a gate: an append to a
 * stream whose row another transaction holds is in flight (and blocked) while the appends after
 * it queue; releasing the gate sends everything queued as one batch.
 */

const { pool } = await testDatabase(t);

const event = (): NewEvent => ({
  id: randomUUID(),
  type: 'CreditsGranted',
  data: { credits: 1 },
  metadata: { occurredAt: new Date().toISOString() },
});

/** Row locks on the streams' rows, in a transaction of their own, until `release`. */
const holdStreams = async (streams: string[]) => {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM streams WHERE stream = ANY($1) FOR UPDATE', [streams]);
  return {
    release: async () => {
      await client.query('COMMIT');
      client.release();
    },
  };
};

/** Waits until `count` backends of this database wait for a row lock. */
const waitersOnLocks = async (count: number): Promise<void> => {
  await waitFor(
    `${count} backends to wait for a row lock`,
    async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity ' +
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
      ).rows[0]!.n >= count,
  );
};

/** Each append's result, or the error it was refused with. */
const settle = async (promises: Promise<AppendResult>[]): Promise<unknown[]> =>
  (await Promise.allSettled(promises)).map((r) => (r.status === 'fulfilled' ? r.value : r.reason));

/** Results only: a refusal in a test that expects none fails that test's comparison. */
const written = async (outcomes: Promise<unknown[]>): Promise<AppendResult[]> =>
  (await outcomes).map((o) => {
    if (o instanceof Error) throw o;
    return o as AppendResult;
  });

/**
 * A store with one batch in flight at a time, whose first append is held at a gate stream: the
 * appends that `queue` starts wait behind it and go out together when the gate opens.
 */
const batchBehindGate = async (name: string, queue: (store: PostgresEventStore) => Promise<AppendResult>[]) => {
  const store = new PostgresEventStore(pool, { appendConcurrency: 1 });
  const gateStream = `gate-${name}`;
  await store.appendToStream(gateStream, [event()], { expected: 'no_stream' });
  const gate = await holdStreams([gateStream]);
  const held = store.appendToStream(gateStream, [event()], { expected: 0 });
  await waitersOnLocks(1);
  // Settled at once: an answer may come before the test awaits it.
  const queued = settle(queue(store));
  return {
    store,
    queued,
    open: async () => {
      await gate.release();
      await held;
    },
  };
};

const transactionOf = async (stream: string): Promise<string[]> =>
  (
    await pool.query<{ xid: string }>('SELECT DISTINCT transaction_id::text AS xid FROM events WHERE stream = $1', [
      stream,
    ])
  ).rows.map((r) => r.xid);

t.test(
  'appends that wait for a batch go together in one transaction, each with its own revision and position',
  async (t) => {
    const streams = Array.from({ length: 20 }, (_, i) => `gc1-${String(i).padStart(2, '0')}`);
    const { store, queued, open } = await batchBehindGate('gc1', (s) =>
      streams.map((stream) => s.appendToStream(stream, [event(), event()], { expected: 'no_stream' })),
    );
    t.teardown(() => store.close());
    await open();
    const results = await written(queued);
    const xids = new Set((await Promise.all(streams.map(transactionOf))).flat());
    t.equal(xids.size, 1, 'one transaction for the 20 appends');
    t.same(
      results.map((r) => r.revision),
      streams.map(() => 1),
      'each stream at revision 1',
    );
    const positions = results.map((r) => r.position);
    t.same(
      positions,
      [...positions].sort((a, b) => a - b),
      'positions follow the stream names',
    );
    t.same(
      positions.slice(1).map((p, i) => p - positions[i]!),
      positions.slice(1).map(() => 2),
      'contiguous, two events each',
    );
    for (const [i, stream] of streams.entries()) {
      const read = await store.readStream(stream);
      t.same(
        read.map((e) => [e.revision, e.position]),
        [
          [0, positions[i]! - 1],
          [1, positions[i]!],
        ],
        `${stream} as answered`,
      );
    }
  },
);

t.test("a conflict in a batch is that append's alone: the others are written", async (t) => {
  const seeded = new PostgresEventStore(pool);
  t.teardown(() => seeded.close());
  await seeded.appendToStream('gc2-busy', [event(), event()], { expected: 'no_stream' });
  const { store, queued, open } = await batchBehindGate('gc2', (s) => [
    s.appendToStream('gc2-a', [event()], { expected: 'no_stream' }),
    s.appendToStream('gc2-busy', [event()], { expected: 0 }),
    s.appendToStream('gc2-c', [event()], { expected: 'no_stream' }),
  ]);
  t.teardown(() => store.close());
  await open();
  const [a, busy, c] = await queued;
  t.match(a, { stream: 'gc2-a', revision: 0 });
  t.match(c, { stream: 'gc2-c', revision: 0 });
  t.type(busy, WrongExpectedRevision, 'the stale append is refused');
  t.match(busy, { actual: 1 }, 'with the actual revision');
  t.equal((await store.readStream('gc2-busy')).length, 2, 'nothing added to the busy stream');
  t.same(await transactionOf('gc2-a'), await transactionOf('gc2-c'), 'the other two committed together');
});

t.test('a reused event id fails its own append only; the rest of the batch is written', async (t) => {
  const seeded = new PostgresEventStore(pool);
  t.teardown(() => seeded.close());
  const taken = event();
  await seeded.appendToStream('gc3-owner', [taken], { expected: 'no_stream' });
  const { store, queued, open } = await batchBehindGate('gc3', (s) => [
    s.appendToStream('gc3-a', [event()], { expected: 'no_stream' }),
    s.appendToStream('gc3-thief', [event(), taken], { expected: 'no_stream' }),
    s.appendToStream('gc3-c', [event()], { expected: 'no_stream' }),
  ]);
  t.teardown(() => store.close());
  await open();
  const [a, thief, c] = await queued;
  t.match(a, { stream: 'gc3-a', revision: 0 }, 'the first is written');
  t.match(c, { stream: 'gc3-c', revision: 0 }, 'the third is written');
  t.type(thief, InvalidAppend, 'the reuse is refused as invalid');
  t.same(await store.readStream('gc3-thief'), [], 'nothing of it written');
  t.equal((await store.readStream('gc3-a')).length, 1);
  t.equal((await store.readStream('gc3-c')).length, 1);
});

t.test('appends to one stream in one batch are written in the order they were made', async (t) => {
  const first = event();
  const second = event();
  const { store, queued, open } = await batchBehindGate('gc4', (s) => [
    s.appendToStream('gc4-x', [first], { expected: 'no_stream' }),
    s.appendToStream('gc4-x', [second], { expected: 0 }),
  ]);
  t.teardown(() => store.close());
  await open();
  const results = await written(queued);
  t.same(
    results.map((r) => r.revision),
    [0, 1],
  );
  t.same(
    (await store.readStream('gc4-x')).map((e) => e.id),
    [first.id, second.id],
  );
  t.equal((await transactionOf('gc4-x')).length, 1, 'both in one transaction');
});

t.test('a retried append inside a batch answers its first result and writes nothing', async (t) => {
  const seeded = new PostgresEventStore(pool);
  t.teardown(() => seeded.close());
  const events = [event(), event()];
  const original = await seeded.appendToStream('gc5-r', events, { expected: 'no_stream' });
  const { store, queued, open } = await batchBehindGate('gc5', (s) => [
    s.appendToStream('gc5-r', events, { expected: 'no_stream' }),
    s.appendToStream('gc5-new', [event()], { expected: 'no_stream' }),
  ]);
  t.teardown(() => store.close());
  await open();
  const [replayed, fresh] = (await written(queued)) as [AppendResult, AppendResult];
  t.same(replayed, original, 'the original result');
  t.equal((await store.readStream('gc5-r')).length, 2, 'no duplicate');
  t.equal(fresh.revision, 0);
});

t.test('two batches sharing streams in opposite orders wait for each other instead of deadlocking', async (t) => {
  // Batch one names b, m1, a; batch two a, m2, b; m1 and m2 are held until both batches wait.
  // Taken in the order given, one would hold b and two a when they go on: a certain deadlock.
  const seeded = new PostgresEventStore(pool);
  t.teardown(() => seeded.close());
  const streams = ['gc6-a', 'gc6-b', 'gc6-m1', 'gc6-m2'];
  for (const stream of streams) await seeded.appendToStream(stream, [event()], { expected: 'no_stream' });
  const middles = await holdStreams(['gc6-m1', 'gc6-m2']);
  const batch = (name: string, order: string[]) =>
    batchBehindGate(name, (s) => order.map((stream) => s.appendToStream(stream, [event()], { expected: 'exists' })));
  const one = await batch('gc6-one', ['gc6-b', 'gc6-m1', 'gc6-a']);
  const two = await batch('gc6-two', ['gc6-a', 'gc6-m2', 'gc6-b']);
  t.teardown(() => Promise.all([one.store.close(), two.store.close()]));
  await Promise.all([one.open(), two.open()]);
  await waitersOnLocks(2);
  await middles.release();
  const results = [...(await one.queued), ...(await two.queued)];
  t.same(
    results.map((r) => (r instanceof Error ? r.message : 'written')),
    Array(6).fill('written'),
    'every append written',
  );
  t.same(
    (await Promise.all(streams.map((s) => seeded.readStream(s)))).map((events) => events.length),
    [3, 3, 2, 2],
  );
  // A deadlock victim would be rolled back and its appends sent again one by one: each batch's
  // three appends sharing one transaction shows neither batch was.
  const { rows: batches } = await pool.query<{ events: number }>(
    'SELECT count(*)::int AS events FROM events WHERE stream = ANY($1) AND revision > 0 GROUP BY transaction_id',
    [streams],
  );
  t.same(
    batches.map((b) => b.events),
    [3, 3],
    'two transactions of three appends each',
  );
});

t.test('append_events_batch refuses arrays that do not describe the appends', async (t) => {
  const ids = [randomUUID(), randomUUID()];
  const call = (counts: number[], streams = ['gc7-a']) =>
    pool.query(
      'SELECT * FROM append_events_batch(' +
        '$1::text[], $2::bigint[], $3::int[], $4::uuid[], $5::text[], $6::json[], $7::json[])',
      [streams, streams.map(() => -1), counts, ids, ['T', 'T'], ['{}', '{}'], ['{}', '{}']],
    );
  await t.rejects(call([1]), { code: 'MD003' }, 'counts that leave events over');
  await t.rejects(call([3]), { code: 'MD003' }, 'counts beyond the events');
  await t.rejects(call([2, 0], ['gc7-a', 'gc7-b']), { code: 'MD003' }, 'an empty append');
  await t.rejects(call([], []), { code: 'MD003' }, 'no append at all');
  t.equal((await pool.query("SELECT 1 FROM streams WHERE stream LIKE 'gc7-%'")).rowCount, 0, 'nothing written');
  t.equal((await call([2])).rows[0].outcome, 'ok', 'a well-formed call is written');
});

t.test("one writer's appends are never held back to form a batch", async (t) => {
  const store = new PostgresEventStore(pool, { appendConcurrency: 1 });
  t.teardown(() => store.close());
  for (let i = 0; i < 5; i++) await store.appendToStream(`gc8-${i}`, [event()], { expected: 'no_stream' });
  const xids = new Set((await Promise.all([0, 1, 2, 3, 4].map((i) => transactionOf(`gc8-${i}`)))).flat());
  t.equal(xids.size, 5, 'each sequential append its own transaction');
});
