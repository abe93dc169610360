import type pg from 'pg';
import t, { type Test } from 'tap';
import { deterministicUuid, MemoryEventStore, type EventStore } from '../../core/eventstore/index.js';
import { testDatabase } from '../../test/support/database.js';
import { brokenInvariants, ledgerRows } from '../../test/support/readTables.js';
import { projected } from '../../test/support/waitFor.js';
import { readQuarantine } from '../quarantine.js';
import { rebuildProjection } from '../rebuild.js';
import { ProjectorRunner } from '../runner.js';
import { ledgerProjection } from './ledgerProjection.js';

/**
 * The rebuild writes with COPY (ledgerCopy.ts), the live projector with json_to_recordset
 * (ledgerProjection.ts): the rows must be the same, whatever the events hold. A COPY write that
 * fails is not enough to fail these tests (the rebuild falls back to the live path), so each
 * also checks, in the log, which path wrote.
 */

const HOLD = { feature: 'tryon', heldCredits: 3, ttlSeconds: 600, expiresAt: '2025-03-01T10:10:00.000Z' };
const SESSION = '7d0e8a44-0a1b-4c55-9a77-3b9e4f0c1d21';

type Step = [type: string, data: Record<string, unknown>];

const odd: Record<string, Step[]> = {
  101: [
    [
      'AccountOpened',
      {
        userId: '101',
        openedBy: 'user',
        profile: { username: 'tab\there', firstName: '\\N', lastName: 42, languageCode: { odd: ['x\ny'] } },
      },
    ],
    ['CreditsGranted', { grantId: 'g1', credits: 5, reason: 'multi\r\nline\ttab\\', operator: 7, balanceAfter: 5 }],
    ['CreditsReserved', { ...HOLD, reservationId: 'h\t1' }],
    ['CreditsReserved', { ...HOLD, reservationId: SESSION }],
    ['CreditsGranted', { grantId: 'g2', credits: 1, reason: 'юникод 👗', balanceAfter: 3 }],
    ['ReservationCaptured', { ...HOLD, reservationId: 'h\t1', credits: 2, releasedCredits: 1, balanceAfter: 2 }],
    ['ReservationReleased', { ...HOLD, reservationId: SESSION, reason: 'ai\\failed' }],
    [
      'CreditsAdjusted',
      { adjustmentId: 'a1', delta: -2, reason: '', operator: { name: 'ann', team: 'support' }, balanceAfter: 3 },
    ],
  ],
  102: [
    ['AccountOpened', { userId: '102', openedBy: 'payment' }],
    [
      'CreditsPurchased',
      {
        paymentId: 'pay\\1\t',
        provider: 'stripe',
        packageId: 'basic',
        credits: 50,
        amountMinor: 1_499,
        currency: 'USD',
        balanceAfter: 50,
      },
    ],
    ['CreditsReserved', { ...HOLD, reservationId: 'h2' }],
    [
      'PurchaseRefunded',
      {
        paymentId: 'pay\\1\t',
        provider: 'stripe',
        packageId: 'basic',
        purchasedCredits: 50,
        purchasedAmountMinor: 1_499,
        currency: 'USD',
        kind: 'chargeback',
        credits: 50,
        amountMinor: 1_499,
        balanceAfter: -3,
      },
    ],
    ['ReservationCaptured', { ...HOLD, reservationId: 'h2', credits: 3, releasedCredits: 0, balanceAfter: -3 }],
  ],
};

/** Appends the users' steps interleaved (one step of each in turn), so writes cut across them. */
const appendInterleaved = async (store: EventStore, users: Record<string, Step[]>): Promise<void> => {
  const longest = Math.max(...Object.values(users).map((steps) => steps.length));
  let second = 0;
  for (let revision = 0; revision < longest; revision++) {
    for (const [userId, steps] of Object.entries(users)) {
      const step = steps[revision];
      if (!step) continue;
      const occurredAt = new Date(Date.parse('2025-03-01T10:00:00Z') + second++ * 1000).toISOString();
      await store.appendToStream(
        `account-${userId}`,
        [{ id: deterministicUuid(userId, String(revision)), type: step[0], data: step[1], metadata: { occurredAt } }],
        { expected: revision === 0 ? 'no_stream' : revision - 1 },
      );
    }
  }
};

const liveProjection = async (t: Test, store: EventStore): Promise<{ pool: pg.Pool; runner: ProjectorRunner }> => {
  const { pool } = await testDatabase(t);
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5 });
  t.teardown(() => runner.stop());
  runner.start();
  const head = await store.headPosition();
  await projected(pool, runner, head, { orFailed: true });
  await runner.stop();
  return { pool, runner };
};

const rebuild = async (store: EventStore, pool: pg.Pool, writeEvents: number) => {
  const log: string[] = [];
  const result = await rebuildProjection({
    store,
    pool,
    projection: ledgerProjection,
    batchSize: 2,
    writeEvents,
    log: (line) => log.push(line),
  }).catch((error: unknown) => error as Error);
  return { result, log, fellBack: log.some((line) => /a write failed/.test(line)) };
};

t.test(
  'COPY writes what the live projector writes: escapes, NULL-looking text, JSON values in text columns',
  async (t) => {
    const store = new MemoryEventStore();
    await appendInterleaved(store, odd);
    const live = await liveProjection(t, store);
    t.equal(live.runner.state, 'stopped', 'the live projector takes every event');
    for (const writeEvents of [3, 1_000]) {
      const { pool } = await testDatabase(t);
      const { result, fellBack, log } = await rebuild(store, pool, writeEvents);
      t.notOk(result instanceof Error, `rebuilt (${(result as Error).message ?? 'ok'})`);
      t.notOk(fellBack, `every write went through COPY (writes of ${writeEvents} events): ${log.join('; ')}`);
      t.same(
        await ledgerRows(pool),
        await ledgerRows(live.pool),
        `row by row the same (writes of ${writeEvents} events)`,
      );
      t.same(await brokenInvariants(pool), []);
    }
    const user = (
      await live.pool.query('SELECT username, first_name, last_name, language_code FROM users WHERE id = 101')
    ).rows[0];
    t.same(
      user,
      { username: 'tab\there', first_name: '\\N', last_name: '42', language_code: '{"odd":["x\\ny"]}' },
      'what both paths make of them',
    );
  },
);

t.test(
  'a value COPY cannot carry fails the write; ' +
    "the rebuild goes on through apply and quarantines that event's stream, as the live projector does",
  async (t) => {
    const store = new MemoryEventStore();
    await appendInterleaved(store, { 101: odd[101]!.slice(0, 2), 102: odd[102]!.slice(0, 3) });
    const bad = await store.appendToStream(
      'account-101',
      [
        {
          id: deterministicUuid('bad'),
          type: 'CreditsGranted',
          data: { grantId: 'g9', credits: 1, reason: 'lone \uD800 surrogate', operator: 'x', balanceAfter: 6 },
          metadata: { occurredAt: '2025-03-01T11:00:00Z' },
        },
      ],
      { expected: 1 },
    );
    const live = await liveProjection(t, store);
    t.equal(live.runner.state, 'stopped', 'the live projector is not failed: it went on with the other streams');
    t.match(await readQuarantine(live.pool, 'ledger'), [
      { stream: 'account-101', fromPosition: bad.position, eventType: 'CreditsGranted' },
    ]);
    const { pool } = await testDatabase(t);
    const { result, fellBack } = await rebuild(store, pool, 1_000);
    t.ok(fellBack, 'the COPY write failed');
    t.notOk(result instanceof Error, 'the rebuild completed');
    t.match(
      await readQuarantine(pool, 'ledger'),
      [{ stream: 'account-101', fromPosition: bad.position, eventType: 'CreditsGranted' }],
      'the same stream, from the same event',
    );
    t.same(await ledgerRows(pool), await ledgerRows(live.pool), 'row by row what the live projector has');
  },
);

t.test(
  'a reservation id held twice in one write is refused by the rebuild as by the live projector: ' +
    'the stream is quarantined',
  async (t) => {
    const store = new MemoryEventStore();
    const twice: Step[] = [...odd[102]!.slice(0, 3), ['CreditsReserved', { ...HOLD, reservationId: 'h2' }]];
    await appendInterleaved(store, { 102: twice });
    const live = await liveProjection(t, store);
    t.match(await readQuarantine(live.pool, 'ledger'), [
      { stream: 'account-102', fromPosition: 4, eventType: 'CreditsReserved' },
    ]);
    const { pool } = await testDatabase(t);
    const { result, fellBack } = await rebuild(store, pool, 1_000);
    t.ok(fellBack, 'the COPY write failed on the unique index');
    t.notOk(result instanceof Error, 'the rebuild completed');
    t.match(await readQuarantine(pool, 'ledger'), [
      { stream: 'account-102', fromPosition: 4, eventType: 'CreditsReserved' },
    ]);
    t.same(await ledgerRows(pool), await ledgerRows(live.pool), 'row by row what the live projector has');
  },
);
