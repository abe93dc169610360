import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createCommandHandler } from '../../core/eventstore/index.js';
import { accountDecider, accountStream, foldAccount, summaryOf, type AccountEvent } from '../../core/ledger/index.js';
import { ProjectorRunner } from '../../projections/runner.js';
import { testDatabase } from '../support/database.js';
import { projected, waitFor } from '../support/waitFor.js';
import { createHolds } from '../../app/worker/holds.js';
import { orchestrationProjection } from '../../projections/sessions/orchestrationProjection.js';
import { pgSweepCandidates } from '../../adapters/postgres/index.js';
import { startSweeper, sweepExpiredHolds } from '../../app/worker/sweeper.js';
import { silentLogger } from '../../app/worker/types.js';

/**
 * The hold sweeper against a worker's capture, both orders and at once. The sweeper picks its
 * candidates from `credit_holds` (a projection, so possibly stale); the account stream decides.
 */

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const TTL = 60;

t.test('sweeper and capture race for expired holds: exactly one wins each', async (t) => {
  const { pool } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  const accounts = createCommandHandler(accountDecider(), { store });
  const worker = createHolds({ store, actor: 'system:worker' });
  const sweeperHolds = createHolds({ store, actor: 'system:sweeper' });
  const userId = '4001';
  await accounts(accountStream(userId), { type: 'OpenAccount', userId, profile: {}, occurredAt: at(0) });
  await accounts(accountStream(userId), {
    type: 'GrantCredits',
    grantId: 'g',
    credits: 100,
    reason: 'promo',
    operator: 't',
    occurredAt: at(0),
  });
  const reserve = (reservationId: string) =>
    worker.reserve({ userId, reservationId, credits: 3, feature: 'tryon', ttlSeconds: TTL }, at(0));
  const capture = (reservationId: string, seconds: number) =>
    worker.settle({ action: 'capture', userId, reservationId, credits: 3 }, at(seconds));
  const feed = async () => {
    const runner = new ProjectorRunner({ store, pool, projection: orchestrationProjection, idlePollMs: 5 });
    runner.start();
    const head = await store.headPosition();
    await projected(pool, runner, head);
    await runner.stop();
  };
  const sweep = (seconds: number) =>
    sweepExpiredHolds({
      candidates: pgSweepCandidates(pool),
      holds: sweeperHolds,
      clock: () => new Date(at(seconds)),
      logger: silentLogger,
    });
  const account = async () =>
    summaryOf(
      foldAccount(
        (await store.readStream(accountStream(userId))).map((e) => ({ type: e.type, data: e.data }) as AccountEvent),
      ).core,
    );

  // 3 welcome credits + 100 granted; the first hold is captured: 100 from then on.
  await t.test('capture lands first: the sweeper, reading a stale row, loses', async (t) => {
    t.match(await reserve('a'), { ok: true, expiresAt: at(TTL) });
    await feed();
    t.equal(await capture('a', TTL - 1), 'captured');
    t.same(await sweep(TTL + 1), { release_lost: 1 }, 'reservation_already_resolved: the capture stands');
    t.match(await account(), { balance: 100, held: 0 });
  });

  await t.test('sweeper lands first: a capture decided before the expiry but appended after loses', async (t) => {
    await reserve('b');
    await feed();
    t.same(await sweep(TTL + 1), { released: 1 });
    t.equal(
      await capture('b', TTL - 1),
      'capture_lost',
      'reservation_already_resolved: the credits stay with the user',
    );
    t.match(await account(), { balance: 100, held: 0 });
  });

  await t.test('a capture at the expiry is refused even before any sweep, and releases the hold', async (t) => {
    await reserve('c');
    t.equal(await capture('c', TTL), 'capture_lost', 'reservation_expired');
    await feed();
    t.same(await sweep(TTL + 1), {}, 'nothing left to sweep');
    t.match(await account(), { balance: 100, held: 0 });
  });

  await t.test('at once, on many holds: each resolved exactly once', async (t) => {
    const ids = Array.from({ length: 12 }, (_, i) => `race-${i}`);
    for (const id of ids) await reserve(id);
    await feed();
    const [captures, swept] = await Promise.all([Promise.all(ids.map((id) => capture(id, TTL - 1))), sweep(TTL + 1)]);
    const captured = captures.filter((c) => c === 'captured').length;
    t.equal(captured + (swept.released ?? 0), ids.length, 'every hold ended once: captured or released');
    t.equal(swept.release_lost ?? 0, captured, 'each capture that won made the sweeper lose');
    t.match(await account(), { balance: 100 - 3 * captured, held: 0 });
    const events = (await store.readStream(accountStream(userId))).filter((e) =>
      ids.includes((e.data as { reservationId?: string }).reservationId ?? ''),
    );
    t.equal(events.filter((e) => e.type !== 'CreditsReserved').length, ids.length, 'one resolving event per hold');
  });

  await t.test('startSweeper: feeds credit_holds and sweeps on its own, every interval', async (t) => {
    await reserve('auto');
    const sweeper = startSweeper({
      store,
      pool,
      candidates: pgSweepCandidates(pool),
      clock: () => new Date(at(TTL + 1)),
      intervalMs: 20,
    });
    await waitFor('the sweeper to release the hold', async () => (await account()).held === 0);
    await sweeper.stop();
    t.match(await account(), { held: 0 });
    const last = (await store.readStream(accountStream(userId), { direction: 'backwards', maxCount: 1 }))[0];
    t.match(last, {
      type: 'ReservationReleased',
      data: { reservationId: 'auto', reason: 'expired' },
      metadata: { actor: 'system:sweeper' },
    });
  });
});
