import type pg from 'pg';
import t, { type Test } from 'tap';
import { PostgresEventStore } from '../adapters/eventstore/postgres/index.js';
import type { EventStore } from '../core/eventstore/index.js';
import { testDatabase } from '../test/support/database.js';
import { bulkAppend, ledgerHistory } from '../test/support/ledgerHistory.js';
import { brokenInvariants, ledgerRows } from '../test/support/readTables.js';
import { waitFor } from '../test/support/waitFor.js';
import { readCheckpoint } from './checkpoints.js';
import { readQuarantine } from './quarantine.js';
import { ledgerProjection } from './ledger/ledgerProjection.js';
import { rebuildProjection } from './rebuild.js';
import { ProjectorRunner } from './runner.js';
import type { Projection } from './types.js';

const caughtUp = async (pool: pg.Pool, store: EventStore, name = 'ledger'): Promise<void> => {
  const head = await store.headPosition();
  await waitFor(`${name} to reach ${head}`, async () => ((await readCheckpoint(pool, name))?.position ?? 0) >= head);
};

/** A clean projection of `store` into a database of its own. */
const cleanRows = async (t: Test, store: EventStore) => {
  const { pool } = await testDatabase(t);
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5 });
  runner.start();
  await caughtUp(pool, store);
  await runner.stop();
  return ledgerRows(pool);
};

const catalog = async (pool: pg.Pool) => ({
  indexes: (
    await pool.query(
      `SELECT tablename, indexname FROM pg_indexes WHERE tablename IN ('users', 'credit_transactions') ORDER BY 1, 2`,
    )
  ).rows,
  policies: (
    await pool.query(
      'SELECT tablename, policyname, qual FROM pg_policies ' +
        "WHERE tablename IN ('users', 'credit_transactions') ORDER BY 1, 2",
    )
  ).rows,
  rls: (
    await pool.query(
      `SELECT relname, relrowsecurity FROM pg_class WHERE relname IN ('users', 'credit_transactions') ORDER BY 1`,
    )
  ).rows,
  constraints: (
    await pool.query(`SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE conrelid IN ('users'::regclass, 'credit_transactions'::regclass) ORDER BY 1, 2`)
  ).rows,
  grants: (
    await pool.query(`SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
    WHERE table_name IN ('users', 'credit_transactions') AND grantee = 'modera_reader' ORDER BY 1, 3`)
  ).rows,
  leftovers: (
    await pool.query(`SELECT relname FROM pg_class WHERE relname LIKE '%rebuild%' OR relname LIKE '%\\_\\_rb'`)
  ).rows,
});

t.test(
  'rebuild while the live projector serves and events keep coming: the same rows as a clean projection',
  async (t) => {
    const { pool } = await testDatabase(t);
    const store = new PostgresEventStore(pool);
    t.teardown(() => store.close());
    const history = [...ledgerHistory({ users: 300, events: 9_000, seed: 11 })];
    await bulkAppend(pool, history.slice(0, 6_000));
    await pool.query(
      'DO $$ BEGIN CREATE ROLE modera_reader NOLOGIN; ' +
        'EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$',
    );
    await pool.query('GRANT SELECT ON users, credit_transactions TO modera_reader');
    const live = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5, batchSize: 500 });
    live.start();
    t.teardown(() => live.stop());
    await caughtUp(pool, store);
    const before = await catalog(pool);
    // Damage the live rows: the rebuild must not start from them.
    await pool.query('UPDATE users SET credits = credits + 1000 WHERE id % 7 = 0');
    await pool.query(`DELETE FROM credit_transactions WHERE transaction_type = 'grant'`);

    // New events arrive all through the rebuild, in small appends, and a few more after it.
    let rebuilt = false;
    const arriving = (async () => {
      let i = 6_000;
      for (let after = 0; i < history.length && after < 3; i += 20) {
        await bulkAppend(pool, history.slice(i, i + 20));
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (rebuilt) after += 1;
      }
      return i;
    })();
    const result = await rebuildProjection({ store, pool, projection: ledgerProjection, batchSize: 700 });
    t.equal(result.resumedFrom, null, 'a fresh rebuild');
    rebuilt = true;
    t.ok(result.appliedEvents >= 6_000);
    const appended = await arriving;
    t.ok(
      result.position > 6_000 && result.position < appended,
      `events arrived during the rebuild and after (swapped at ${result.position} of ${appended})`,
    );
    await caughtUp(pool, store);
    await live.stop();

    t.same(await ledgerRows(pool), await cleanRows(t, store), 'row by row the same as a clean projection');
    t.same(await brokenInvariants(pool), []);
    t.same(
      await catalog(pool),
      before,
      'indexes, constraints, policies, RLS and grants are the live ones again; no shadow is left',
    );
    t.equal(await readCheckpoint(pool, 'ledger__rebuild'), undefined, 'the shadow checkpoint is gone');
  },
);

// The ledger's shadows are logged while filled (rebuildLogged); other projections' are unlogged
// and made logged at the end: both kinds must resume alike.
for (const logged of [true, false]) {
  const projection: Projection = { ...ledgerProjection, rebuildLogged: logged };
  t.test(
    `a rebuild that stops half-way resumes from its own checkpoint (${logged ? 'logged' : 'unlogged'} shadows)`,
    async (t) => {
      const { pool } = await testDatabase(t);
      const store = new PostgresEventStore(pool);
      t.teardown(() => store.close());
      await bulkAppend(pool, ledgerHistory({ users: 100, events: 3_000, seed: 5 }));
      let reads = 0;
      const failing: EventStore = Object.assign(Object.create(store) as EventStore, {
        readAll: async (options: Parameters<EventStore['readAll']>[0]) => {
          if (++reads === 4) throw new Error('the store went away');
          return store.readAll(options);
        },
      });
      await t.rejects(
        rebuildProjection({ store: failing, pool, projection, batchSize: 500, writeEvents: 1_000 }),
        /went away/,
      );
      const stopped = await readCheckpoint(pool, 'ledger__rebuild');
      t.ok(
        stopped && stopped.position >= 1_000 && stopped.position < 3_000,
        `the shadow stopped part-way (${stopped?.position})`,
      );
      const persistence = await pool.query(
        'SELECT relname, relpersistence FROM pg_class ' +
          "WHERE relname IN ('users__rebuild', 'credit_transactions__rebuild') ORDER BY 1",
      );
      t.same(
        persistence.rows.map((r) => r.relpersistence),
        logged ? ['p', 'p'] : ['u', 'u'],
        `the shadows are ${logged ? 'logged' : 'unlogged'} while filled`,
      );
      const result = await rebuildProjection({ store, pool, projection, batchSize: 500, writeEvents: 1_000 });
      t.equal(result.resumedFrom, stopped?.position, 'the next run resumes');
      t.equal(result.appliedEvents, 3_000 - stopped!.position);
      const clean = await cleanRows(t, store);
      t.same(await ledgerRows(pool), clean);
      const swapped = await pool.query(
        `SELECT relname, relpersistence FROM pg_class WHERE relname IN ('users', 'credit_transactions') ORDER BY 1`,
      );
      t.same(
        swapped.rows.map((r) => r.relpersistence),
        ['p', 'p'],
        'the tables swapped in are logged',
      );

      // Shadows found empty under a checkpoint past 0 (what a database crash leaves of unlogged
      // ones: crash recovery resets them) are started again, not resumed.
      reads = 0;
      await t.rejects(
        rebuildProjection({ store: failing, pool, projection, batchSize: 500, writeEvents: 1_000 }),
        /went away/,
      );
      t.ok(((await readCheckpoint(pool, 'ledger__rebuild'))?.position ?? 0) > 0);
      await pool.query('TRUNCATE users__rebuild, credit_transactions__rebuild');
      const again = await rebuildProjection({ store, pool, projection, batchSize: 500 });
      t.equal(again.resumedFrom, null, 'emptied shadows are started again');
      t.same(await ledgerRows(pool), clean);
    },
  );
}

t.test('a rebuild quarantines an event it cannot apply, as the live projector does, and both agree', async (t) => {
  const { pool } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  const history = [...ledgerHistory({ users: 50, events: 1_000, seed: 8 })];
  await bulkAppend(pool, history);
  // A capture of a hold that was never taken, in the middle of the log, then a valid grant for another user.
  const forged = await store.appendToStream(
    'account-1000001',
    [
      {
        id: '9b1f7c1e-3c55-4c1e-9a0e-6f1d2a3b4c5d',
        type: 'ReservationCaptured',
        data: {
          reservationId: 'never-held',
          feature: 'tryon',
          heldCredits: 3,
          ttlSeconds: 600,
          expiresAt: '2025-01-01T00:10:00.000Z',
          credits: 3,
          releasedCredits: 0,
          balanceAfter: 0,
        },
        metadata: { occurredAt: '2025-01-02T00:00:00.000Z' },
      },
    ],
    { expected: 'exists' },
  );
  await store.appendToStream(
    'account-1000002',
    [
      {
        id: '0c2e8d2f-4d66-4d2f-8b1f-7a2e3b4c5d6e',
        type: 'CreditsGranted',
        data: { grantId: 'later', credits: 1, reason: 'promo', operator: 'x', balanceAfter: 0 },
        metadata: { occurredAt: '2025-01-02T00:00:00.000Z' },
      },
    ],
    { expected: 'exists' },
  );
  const live = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5 });
  live.start();
  await caughtUp(pool, store);
  await live.stop();
  const liveRows = await ledgerRows(pool);
  const quarantined = (await readQuarantine(pool, 'ledger')).map((q) => ({
    stream: q.stream,
    fromPosition: q.fromPosition,
  }));
  t.same(
    quarantined,
    [{ stream: 'account-1000001', fromPosition: forged.position }],
    'the live projector quarantined the stream',
  );
  await pool.query('DELETE FROM projection_quarantine');
  const rebuilt = await rebuildProjection({
    store,
    pool,
    projection: ledgerProjection,
    batchSize: 300,
    writeEvents: 800,
    fresh: true,
  });
  t.equal(rebuilt.position, await store.headPosition(), 'the rebuild went to the head');
  t.same(
    (await readQuarantine(pool, 'ledger')).map((q) => ({ stream: q.stream, fromPosition: q.fromPosition })),
    quarantined,
    'the rebuild quarantined it too',
  );
  t.same(await ledgerRows(pool), liveRows, 'rebuilt rows equal the live ones');
});
