import type pg from 'pg';
import t, { type Test } from 'tap';
import { inTransaction } from '../transaction.js';
import {
  deterministicUuid,
  MemoryEventStore,
  type EventStore,
  type RecordedEvent,
} from '../../core/eventstore/index.js';
import type { AccountEvent } from '../../core/ledger/index.js';
import { testDatabase } from '../../test/support/database.js';
import { brokenInvariants, ledgerRows } from '../../test/support/readTables.js';
import { projected, waitFor } from '../../test/support/waitFor.js';
import { readCheckpoint } from '../checkpoints.js';
import { readQuarantine } from '../quarantine.js';
import { ProjectorRunner } from '../runner.js';
import { liveTables } from '../types.js';
import { applyLedgerBatch, ledgerProjection } from './ledgerProjection.js';

const hold = (reservationId: string, credits: number, feature: 'tryon' | 'styling') => ({
  reservationId,
  feature,
  heldCredits: credits,
  ttlSeconds: 600,
  expiresAt: '2025-03-01T10:10:00.000Z',
});

/** One account's life: every kind of movement, a partial capture, a clawback into debt, a correction. */
const LIFE: AccountEvent[] = [
  {
    type: 'AccountOpened',
    data: { userId: '101', openedBy: 'user', profile: { username: 'alice', firstName: 'Alice', languageCode: 'ru' } },
  },
  {
    type: 'CreditsGranted',
    data: { grantId: 'welcome', credits: 3, reason: 'welcome', operator: 'system', balanceAfter: 3 },
  },
  {
    type: 'CreditsPurchased',
    data: {
      paymentId: 'pay-1',
      provider: 'yookassa',
      packageId: 'basic',
      credits: 10,
      amountMinor: 29_900,
      currency: 'RUB',
      balanceAfter: 13,
    },
  },
  { type: 'CreditsReserved', data: hold('7d0e8a44-0a1b-4c55-9a77-3b9e4f0c1d21', 3, 'tryon') },
  {
    type: 'ReservationCaptured',
    data: {
      ...hold('7d0e8a44-0a1b-4c55-9a77-3b9e4f0c1d21', 3, 'tryon'),
      credits: 2,
      releasedCredits: 1,
      balanceAfter: 11,
    },
  },
  { type: 'CreditsReserved', data: hold('h2', 5, 'styling') },
  { type: 'CreditsReserved', data: hold('h3', 3, 'tryon') },
  { type: 'ReservationReleased', data: { ...hold('h3', 3, 'tryon'), reason: 'ai_failed' } },
  {
    type: 'PurchaseRefunded',
    data: {
      paymentId: 'pay-1',
      provider: 'yookassa',
      packageId: 'basic',
      purchasedCredits: 10,
      purchasedAmountMinor: 29_900,
      currency: 'RUB',
      kind: 'chargeback',
      credits: 10,
      amountMinor: 29_900,
      balanceAfter: 1,
    },
  },
  {
    type: 'CreditsAdjusted',
    data: {
      adjustmentId: 'adj-1',
      delta: 4,
      reason: 'goodwill after chargeback',
      operator: 'support:ann',
      balanceAfter: 5,
    },
  },
];

const appendLife = async (store: EventStore, userId = '101', events: AccountEvent[] = LIFE): Promise<void> => {
  for (const [revision, event] of events.entries()) {
    const data = event.type === 'AccountOpened' ? { ...event.data, userId } : event.data;
    await store.appendToStream(
      `account-${userId}`,
      [
        {
          id: deterministicUuid(userId, String(revision)),
          type: event.type,
          data,
          metadata: { occurredAt: new Date(Date.parse('2025-03-01T10:00:00Z') + revision * 1000).toISOString() },
        },
      ],
      { expected: revision === 0 ? 'no_stream' : revision - 1 },
    );
  }
};

const project = async (t: Test, pool: pg.Pool, store: EventStore, batchSize: number): Promise<void> => {
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, batchSize, idlePollMs: 5 });
  runner.start();
  const head = await store.headPosition();
  await projected(pool, runner, head).catch((error: Error) =>
    t.fail(`projector did not reach ${head}: ${error.message}`),
  );
  await runner.stop();
};

t.test('one account: users and credit_transactions, whatever the batch size', async (t) => {
  const store = new MemoryEventStore();
  await appendLife(store);
  await appendLife(store, '202', LIFE.slice(0, 6));
  const results: Array<Awaited<ReturnType<typeof ledgerRows>>> = [];
  for (const batchSize of [1, 3, 100]) {
    const { pool } = await testDatabase(t);
    await project(t, pool, store, batchSize);
    results.push(await ledgerRows(pool));
    if (batchSize !== 100) continue;
    const user = (await pool.query('SELECT * FROM users WHERE id = 101')).rows[0];
    t.match(user, {
      id: 101,
      telegram_id: 101,
      username: 'alice',
      first_name: 'Alice',
      last_name: null,
      language_code: 'ru',
      credits: 0,
      credits_reserved: 5,
      in_debt: false,
      total_spent_rub_minor: 0,
      total_spent_usd_minor: 0,
      last_position: 10,
    });
    t.same(user.created_at.toISOString(), '2025-03-01T10:00:00.000Z', 'created when the account opened');
    t.same(user.updated_at.toISOString(), '2025-03-01T10:00:09.000Z', 'updated by the last event');
    const rows = (
      await pool.query(`SELECT transaction_type, status, credits_amount, amount_minor, currency, payment_provider,
        payment_id,
      feature_used, session_id, reservation_id, reason, operator FROM credit_transactions WHERE user_id = 101
      ORDER BY position`)
    ).rows;
    t.same(
      rows.map((r) => [r.transaction_type, r.status, r.credits_amount, r.reason ?? r.payment_id ?? r.reservation_id]),
      [
        ['grant', 'completed', 3, 'welcome'],
        ['purchase', 'completed', 10, 'pay-1'],
        ['usage', 'completed', -3, '7d0e8a44-0a1b-4c55-9a77-3b9e4f0c1d21'],
        ['refund', 'completed', 1, 'unused'],
        ['usage', 'pending', -5, 'h2'],
        ['usage', 'released', -3, 'h3'],
        ['refund', 'completed', 3, 'ai_failed'],
        ['clawback', 'completed', -10, 'chargeback'],
        ['adjustment', 'completed', 4, 'goodwill after chargeback'],
      ],
    );
    t.match(rows[1], { amount_minor: 29_900, currency: 'RUB', payment_provider: 'yookassa' });
    t.match(rows[7], { amount_minor: -29_900, currency: 'RUB', payment_id: 'pay-1' }, 'money returned is negative');
    t.match(
      rows[2],
      { feature_used: 'tryon', session_id: '7d0e8a44-0a1b-4c55-9a77-3b9e4f0c1d21' },
      'a session hold names its session',
    );
    t.match(rows[4], { feature_used: 'styling', session_id: null });
    t.match(rows[8], { operator: 'support:ann' });
    t.same(await brokenInvariants(pool), [], 'credits = sum(credits_amount), reserved = pending usage');
    t.match((await pool.query('SELECT credits, credits_reserved, in_debt FROM users WHERE id = 202')).rows[0], {
      credits: 6,
      credits_reserved: 5,
      in_debt: false,
    });
  }
  t.same(results[0], results[2], 'batches of 1 and of 100 give the same rows');
  t.same(results[1], results[2], 'batches of 3 and of 100 give the same rows');
});

t.test('a clawback into debt shows in users.in_debt', async (t) => {
  const store = new MemoryEventStore();
  await appendLife(store, '303', LIFE.slice(0, 9));
  const { pool } = await testDatabase(t);
  await project(t, pool, store, 100);
  t.match((await pool.query('SELECT credits, credits_reserved, in_debt FROM users WHERE id = 303')).rows[0], {
    credits: -4,
    credits_reserved: 5,
    in_debt: true,
  });
  t.same(await brokenInvariants(pool), []);
});

t.test('re-applying events already applied changes nothing, whatever the batch boundaries', async (t) => {
  const store = new MemoryEventStore();
  await appendLife(store);
  await appendLife(store, '202', LIFE.slice(0, 7));
  const { pool } = await testDatabase(t);
  await project(t, pool, store, 4);
  const before = await ledgerRows(pool);
  const all: RecordedEvent[] = await store.readAll();
  const tables = liveTables(ledgerProjection);
  await inTransaction(pool, (client) => applyLedgerBatch(client, all, tables));
  await inTransaction(pool, (client) => applyLedgerBatch(client, all.slice(3, 9), tables));
  for (const event of all) await inTransaction(pool, (client) => applyLedgerBatch(client, [event], tables));
  t.same(await ledgerRows(pool), before, 'the same rows after the replays');
});

t.test('an event the projection cannot apply quarantines its stream, naming the event; the others go on', async (t) => {
  const store = new MemoryEventStore();
  await appendLife(store, '101', LIFE.slice(0, 3));
  await store.appendToStream(
    'account-101',
    [
      {
        id: deterministicUuid('bad'),
        type: 'ReservationCaptured',
        data: { ...hold('never-held', 3, 'tryon'), credits: 3, releasedCredits: 0, balanceAfter: 10 },
        metadata: { occurredAt: '2025-03-01T11:00:00Z' },
      },
    ],
    { expected: 2 },
  );
  await store.appendToStream(
    'account-404',
    [
      {
        id: deterministicUuid('orphan'),
        type: 'CreditsGranted',
        data: { grantId: 'g', credits: 1, reason: 'promo', operator: 'x', balanceAfter: 1 },
        metadata: { occurredAt: '2025-03-01T11:00:00Z' },
      },
    ],
    { expected: 'no_stream' },
  );
  const { pool } = await testDatabase(t);
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, batchSize: 100, idlePollMs: 5 });
  t.teardown(() => runner.stop());
  runner.start();
  await waitFor('the checkpoint at 5', async () => (await readCheckpoint(pool, 'ledger'))?.position === 5);
  t.equal(runner.state, 'running');
  t.match(await readQuarantine(pool, 'ledger'), [
    {
      stream: 'account-101',
      fromPosition: 4,
      eventType: 'ReservationCaptured',
      reason: /no pending usage row for hold never-held/,
    },
    {
      stream: 'account-404',
      fromPosition: 5,
      eventType: 'CreditsGranted',
      reason: /the account of user 404 was never opened/,
    },
  ]);
  t.match(
    (await pool.query('SELECT credits FROM users WHERE id = 101')).rows,
    [{ credits: 13 }],
    'everything before it is applied',
  );
});

t.test('a stream that is no account of a Telegram user is quarantined too', async (t) => {
  const store = new MemoryEventStore();
  await store.appendToStream(
    'account-x1',
    [
      {
        id: deterministicUuid('bad-stream'),
        type: 'CreditsGranted',
        data: {},
        metadata: { occurredAt: '2025-03-01T11:00:00Z' },
      },
    ],
    { expected: 'no_stream' },
  );
  await appendLife(store, '102', LIFE.slice(0, 3));
  const { pool } = await testDatabase(t);
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5 });
  t.teardown(() => runner.stop());
  runner.start();
  await waitFor(
    'user 102 projected',
    async () => (await pool.query('SELECT 1 FROM users WHERE id = 102')).rowCount === 1,
  );
  t.match(await readQuarantine(pool, 'ledger'), [
    { stream: 'account-x1', fromPosition: 1, reason: /stream account-x1 is not account-<user id/ },
  ]);
});
