import { randomUUID } from 'node:crypto';
import t from 'tap';
import { collectHealth } from '../../adapters/http/health.js';
import type { NewEvent } from '../../core/eventstore/index.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import { readQuarantine, repairStream } from '../../projections/quarantine.js';
import { rebuildProjection } from '../../projections/rebuild.js';
import { ProjectorRunner } from '../../projections/runner.js';
import { projectionStatus } from '../../projections/status.js';
import { bearer, httpApi, SERVICE_TOKEN } from '../support/httpApi.js';
import { waitFor } from '../support/waitFor.js';

/**
 * Issue 13, reproduction 1 and "poison events never stop the world": an event the ledger
 * projection cannot apply, appended straight through the event store port (as an old bug or a
 * foreign writer would), quarantines its stream; every other user keeps moving.
 */

const POISON_STREAM = 'account-9223372036854775808';
const at = () => new Date().toISOString();
const opened = (userId: string): NewEvent => ({
  id: randomUUID(),
  type: 'AccountOpened',
  metadata: { occurredAt: at() },
  data: { userId, openedBy: 'user', profile: {} },
});

t.test(
  'a poison event quarantines its stream; the others go on; reads say so; repair applies the held events',
  async (t) => {
    const { app, store, pool, executeAccount } = await httpApi(t);
    const buy = async (userId: string, paymentId: string, credits = 10) => {
      const result = await executeAccount(userId, {
        type: 'PurchaseCredits',
        userId,
        paymentId,
        provider: 'stripe',
        packageId: 'basic',
        credits,
        amountMinor: 199,
        currency: 'USD',
        occurredAt: at(),
      });
      t.ok(result.ok, `purchase ${paymentId}`);
    };
    const credits = async (userId: string) =>
      (await pool.query<{ credits: number }>('SELECT credits FROM users WHERE id = $1', [userId])).rows[0]?.credits;
    await buy('1001', 'p1');
    // A stand-in for a projection bug that a deploy fixes: the read table refuses more than 100 credits.
    await pool.query('ALTER TABLE users ADD CONSTRAINT test_cap CHECK (credits <= 100)');
    await store.appendToStream(POISON_STREAM, [opened('9223372036854775808')], { expected: 'no_stream' });
    await buy('1003', 'p3', 500);
    await buy('1003', 'p3b', 5);

    const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5 });
    runner.start();
    t.teardown(() => runner.stop());
    await buy('1001', 'p1b');
    await buy('1005', 'p5');
    await waitFor(
      'the other users to be projected',
      async () => (await credits('1001')) === 23 && (await credits('1005')) === 13,
    );
    t.pass('users after the poison events keep moving: 1001 sees its second purchase, 1005 has a row');
    await waitFor(
      'the ledger to catch up',
      async () => (await projectionStatus(store, pool, 'ledger')).lagEvents === 0,
    );

    const status = await projectionStatus(store, pool, 'ledger');
    t.equal(status.state, 'running', 'the projection is not failed');
    t.same(
      status.quarantined.map((q) => q.stream).sort(),
      ['account-1003', POISON_STREAM].sort(),
      'health names both streams',
    );
    const health = await collectHealth({
      version: 't',
      startedAt: Date.now(),
      checks: {},
      critical: [],
      projections: async () => [status],
    });
    t.equal(health.status, 'degraded');
    t.equal(
      await credits('1003'),
      3,
      '1003 stopped before its 500-credit purchase (welcome grant only): the later events are held back',
    );

    const balance = await app.inject({
      method: 'GET',
      url: '/api/v1/credits/balance/1003',
      headers: bearer(SERVICE_TOKEN),
    });
    t.equal(balance.statusCode, 503);
    t.match(balance.json(), { error: { code: 'user_quarantined' } });
    t.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/credits/balance/1001', headers: bearer(SERVICE_TOKEN) }))
        .statusCode,
      200,
    );

    const notYet = await repairStream(store, pool, ledgerProjection, 'account-1003');
    t.match(notYet, { ok: false, reason: /test_cap/ }, 'a repair before the fix changes nothing');
    t.equal((await readQuarantine(pool, 'ledger')).length, 2);

    await pool.query('ALTER TABLE users DROP CONSTRAINT test_cap');
    t.match(
      await repairStream(store, pool, ledgerProjection, 'account-1003'),
      { ok: true, appliedEvents: 2 },
      'bought 500, bought 5',
    );
    t.equal(await credits('1003'), 508);
    await buy('1003', 'p3c');
    await waitFor('the repaired user to be projected', async () => (await credits('1003')) === 518);
    t.pass('after the repair, the live projector applies the stream again');
    t.same(
      (await readQuarantine(pool, 'ledger')).map((q) => q.stream),
      [POISON_STREAM],
      'the unfixable one stays quarantined',
    );
    t.match(await repairStream(store, pool, ledgerProjection, POISON_STREAM), { ok: false });
  },
);

t.test('a rebuild meets the poison event as the live projector does: quarantine, not failure', async (t) => {
  const { store, pool, executeAccount } = await httpApi(t);
  const buy = (userId: string, paymentId: string) =>
    executeAccount(userId, {
      type: 'PurchaseCredits',
      userId,
      paymentId,
      provider: 'stripe',
      packageId: 'basic',
      credits: 10,
      amountMinor: 199,
      currency: 'USD',
      occurredAt: at(),
    });
  await buy('2001', 'q1');
  await store.appendToStream(POISON_STREAM, [opened('9223372036854775808')], { expected: 'no_stream' });
  await buy('2002', 'q2');
  for (const writeEvents of [undefined, 1]) {
    await pool.query('DELETE FROM projection_quarantine');
    const result = await rebuildProjection({
      store,
      pool,
      projection: ledgerProjection,
      fresh: true,
      ...(writeEvents ? { writeEvents } : {}),
    });
    t.equal(result.position, await store.headPosition(), 'rebuilt to the head');
    t.same(
      (await readQuarantine(pool, 'ledger')).map((q) => q.stream),
      [POISON_STREAM],
    );
    const { rows } = await pool.query<{ id: string; credits: number }>(
      'SELECT id::text, credits FROM users ORDER BY id',
    );
    t.same(
      rows,
      [
        { id: '2001', credits: 13 },
        { id: '2002', credits: 13 },
      ],
      'every other user rebuilt',
    );
  }
});
