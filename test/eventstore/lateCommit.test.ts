import { randomUUID } from 'node:crypto';
import pg from 'pg';
import t, { type Test } from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import type { RecordedEvent } from '../../core/eventstore/index.js';
import { countedQueries, SUBSCRIPTION_READ } from '../support/countedQueries.js';
import { testDatabase } from '../support/database.js';
import { waitFor } from '../support/waitFor.js';
import { Pull, idsOf, isIncreasing, positionsOf } from './conformance/fixture.js';

/**
 * The guarantee under test: a reader (readAll, subscribe) never delivers an event after a
 * higher-positioned one, and never skips one. An event whose transaction is still open holds back
 * every event positioned after it until it commits (or rolls back); then they all come, in order.
 */
const LATER_APPENDS = 50;
const POLL_MS = 100;

const event = (credits = 1) => ({
  id: randomUUID(),
  type: 'CreditsGranted',
  data: { credits },
  metadata: { occurredAt: new Date().toISOString() },
});

/** BEGIN and run the store's own append SQL on a separate connection, without committing. */
const holdAppend = async (url: string, stream: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  const e = event();
  const { rows } = await client.query<{ outcome: string; last_position: number }>(
    'SELECT * FROM append_events($1, -1, $2::uuid[], $3::text[], $4::json[], $5::json[])',
    [stream, [e.id], [e.type], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)]],
  );
  return { client, id: e.id, position: Number(rows[0]!.last_position) };
};

const setup = async (t: Test) => {
  const { url, pool } = await testDatabase(t);
  const reads = countedQueries(pool, SUBSCRIPTION_READ);
  const store = new PostgresEventStore(reads.pool, { pollIntervalMs: POLL_MS });
  t.teardown(() => store.close());
  const first = await store.appendToStream('account-first', [event()], { expected: 'no_stream' });
  const subscription = store.subscribe({ after: 0 });
  const pull = new Pull(subscription);
  t.equal((await pull.take(1))[0]!.position, first.position, 'the subscription is live');
  /** Resolves once the subscription has begun two more reads: the first saw everything committed before this call. */
  const readTwiceMore = () => {
    const from = reads.count();
    return waitFor('the subscription to read the log twice more', () => reads.count() >= from + 2);
  };
  /** Nothing more is delivered: a marker appended now is the next event. */
  const nextIsMarker = async (what: string) => {
    const marker = event();
    await store.appendToStream(`account-marker-${marker.id}`, [marker], { expected: 'no_stream' });
    t.same(idsOf(await pull.take(1)), [marker.id], what);
  };
  return { url, pool, store, first, pull, readTwiceMore, nextIsMarker };
};

for (const outcome of ['COMMIT', 'ROLLBACK'] as const) {
  t.test(`an open append holds back ${LATER_APPENDS} later commits until ${outcome}`, async (t) => {
    const { url, pool, store, first, pull, readTwiceMore, nextIsMarker } = await setup(t);
    const held = await holdAppend(url, 'account-held');
    t.teardown(() => held.client.end());
    t.ok(held.position > first.position, 'the open append has its position');

    const later = [];
    for (let i = 0; i < LATER_APPENDS; i++) {
      later.push(await store.appendToStream(`account-later${i}`, [event(i)], { expected: 'no_stream' }));
    }
    t.ok(
      later.every((r) => r.position > held.position),
      'every later append is positioned after the open one',
    );
    const committed = await pool.query('SELECT count(*)::int AS n FROM events WHERE position > $1', [held.position]);
    t.equal(committed.rows[0].n, LATER_APPENDS, 'they are committed and visible: a naive reader would deliver them');

    t.equal(await pull.pollUntil(readTwiceMore()), undefined, 'the subscription delivers none of them');
    t.same(await store.readAll({ after: first.position }), [], 'readAll stops before the open append');
    t.equal(await store.headPosition(), first.position, 'the head stays below the open append');

    await held.client.query(outcome);
    const expected = outcome === 'COMMIT' ? LATER_APPENDS + 1 : LATER_APPENDS;
    const delivered = await pull.take(expected);
    if (outcome === 'COMMIT') t.equal(delivered[0]!.id, held.id, 'the late commit comes first');
    else
      t.notOk(
        delivered.some((e) => e.position === held.position),
        'a rolled-back position is a gap',
      );
    t.same(
      positionsOf(delivered.slice(-LATER_APPENDS)),
      later.map((r) => r.position),
      'then the later ones, none skipped',
    );
    t.ok(isIncreasing(positionsOf(delivered)), 'in strictly increasing position order');
    t.same(idsOf(await store.readAll({ after: first.position })), idsOf(delivered), 'readAll now returns the same');
    t.equal(await store.headPosition(), later[LATER_APPENDS - 1]!.position, 'the head moved to the last one');
    await nextIsMarker('and nothing is delivered twice');
  });
}

t.test('random open transactions, commits and rollbacks: delivery is the committed log, in order', async (t) => {
  const { url, pool, first, pull, nextIsMarker } = await setup(t);
  const WRITERS = 6;
  const APPENDS_PER_WRITER = 20;
  const HOLD_MAX_MS = 15;
  // Each writer opens a transaction, appends, holds it open a random while, then commits (or
  // rolls back one time in five). Many transactions overlap and finish out of position order.
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (let i = 0; i < APPENDS_PER_WRITER; i++) {
          const e = event(i);
          await client.query('BEGIN');
          await client.query('SELECT * FROM append_events($1, -1, $2::uuid[], $3::text[], $4::json[], $5::json[])', [
            `account-w${writer}x${i}`,
            [e.id],
            [e.type],
            [JSON.stringify(e.data)],
            [JSON.stringify(e.metadata)],
          ]);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * HOLD_MAX_MS));
          await client.query(Math.random() < 0.2 ? 'ROLLBACK' : 'COMMIT');
        }
      } finally {
        await client.end();
      }
    }),
  );
  const log = (
    await pool.query<{ position: number; transaction_id: string }>(
      'SELECT position, transaction_id::text FROM events WHERE position > $1 ORDER BY position',
      [first.position],
    )
  ).rows;
  const xids = log.map((r) => BigInt(r.transaction_id));
  t.ok(
    xids.every((x, i) => i === 0 || x > xids[i - 1]!),
    'transaction ids rise with positions (the mutex invariant)',
  );
  const delivered: RecordedEvent[] = await pull.take(log.length);
  t.same(
    positionsOf(delivered),
    log.map((r) => Number(r.position)),
    'every committed event, in position order',
  );
  await nextIsMarker('nothing more');
});
