import { randomUUID } from 'node:crypto';
import t from 'tap';
import { PostgresEventStore } from '../adapters/eventstore/postgres/index.js';
import { countedPolls } from '../test/support/countedPolls.js';
import { testDatabase } from '../test/support/database.js';
import { waitFor } from '../test/support/waitFor.js';
import { readCheckpoint } from './checkpoints.js';
import { ProjectionWaitTimeout } from './errors.js';
import { ledgerProjection } from './ledger/ledgerProjection.js';
import { startProjectors } from './projectors.js';
import { waitForPosition } from './readYourWrites.js';

const opened = (userId: string) => [
  {
    id: randomUUID(),
    type: 'AccountOpened',
    data: { userId, openedBy: 'user', profile: {} },
    metadata: { occurredAt: new Date().toISOString() },
  },
];
const purchase = (paymentId: string, credits: number, balanceAfter: number) => ({
  id: randomUUID(),
  type: 'CreditsPurchased',
  metadata: { occurredAt: new Date().toISOString() },
  data: { paymentId, provider: 'stripe', packageId: 'basic', credits, amountMinor: 499, currency: 'USD', balanceAfter },
});

t.test('late commit, end to end: an event whose transaction commits late still reaches the read tables', async (t) => {
  const { pool } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  await store.appendToStream('account-1', opened('1'), { expected: 'no_stream' });
  await store.appendToStream('account-2', opened('2'), { expected: 'no_stream' });
  const counted = countedPolls(store);
  // The ledger's projector alone: every read counted is its own.
  const projectors = startProjectors({ store: counted.store, pool, projections: [ledgerProjection] });
  t.teardown(() => projectors.stop());
  await waitForPosition(pool, 'ledger', 2, 5_000);

  // The held append: it takes its position, then its transaction stays open.
  const held = await pool.connect();
  t.teardown(() => held.release());
  await held.query('BEGIN');
  const late = purchase('late', 10, 10);
  const { rows } = await held.query(
    'SELECT last_position FROM append_events($1, $2, $3::uuid[], $4::text[], $5::json[], $6::json[])',
    ['account-1', 0, [late.id], [late.type], [JSON.stringify(late.data)], [JSON.stringify(late.metadata)]],
  );
  const latePosition = Number(rows[0].last_position);
  // A later append commits first.
  const early = await store.appendToStream('account-2', [purchase('early', 5, 5)], { expected: 0 });
  t.ok(early.position > latePosition, 'the early-committed event has the higher position');

  // Two turns begun from here on: the first saw the early commit and was done with before the second.
  const polls = counted.polls();
  await waitFor('the projector to begin two more turns', () => counted.polls() >= polls + 2);
  t.equal((await readCheckpoint(pool, 'ledger'))?.position, 2, 'the projector does not move past the open transaction');
  t.same((await pool.query('SELECT id, credits FROM users ORDER BY id')).rows, [
    { id: 1, credits: 0 },
    { id: 2, credits: 0 },
  ]);
  t.match(await projectors.status(), [{ name: 'ledger', position: 2, state: 'running' }]);

  await held.query('COMMIT');
  await waitForPosition(pool, 'ledger', early.position, 5_000);
  t.same(
    (await pool.query('SELECT id, credits FROM users ORDER BY id')).rows,
    [
      { id: 1, credits: 10 },
      { id: 2, credits: 5 },
    ],
    'both events are in the read tables',
  );
  t.same((await pool.query(`SELECT user_id, payment_id, position FROM credit_transactions ORDER BY position`)).rows, [
    { user_id: 1, payment_id: 'late', position: latePosition },
    { user_id: 2, payment_id: 'early', position: early.position },
  ]);
  t.match(await projectors.status(), [
    { name: 'ledger', position: early.position, head: early.position, lagEvents: 0, lagSeconds: 0 },
  ]);
});

t.test('read-your-writes: wait for the position a command returned, within a bound', async (t) => {
  const { pool } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  const written = await store.appendToStream('account-7', opened('7'), { expected: 'no_stream' });

  const started = performance.now();
  const timeout = await waitForPosition(pool, 'ledger', written.position, 150).catch((error: unknown) => error);
  t.ok(timeout instanceof ProjectionWaitTimeout, 'no projector: a typed timeout');
  t.match(timeout, {
    code: 'projection_wait_timeout',
    projection: 'ledger',
    position: written.position,
    reached: 0,
    timeoutMs: 150,
  });
  // It waited its bound (a ceiling on wall time failed on a loaded machine; a wait that ignored the bound hangs the
  // test).
  t.ok(performance.now() - started >= 150, 'waited its bound (the typed timeout names it)');

  const projectors = startProjectors({ store, pool });
  t.teardown(() => projectors.stop());
  const bought = await store.appendToStream('account-7', [purchase('p1', 50, 50)], { expected: 0 });
  t.ok((await waitForPosition(pool, 'ledger', bought.position)) >= bought.position);
  t.same(
    (await pool.query('SELECT credits FROM users WHERE id = 7')).rows,
    [{ credits: 50 }],
    'the write is visible once the wait returns',
  );
});
