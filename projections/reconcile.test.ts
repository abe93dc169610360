import type pg from 'pg';
import t from 'tap';
import { PostgresEventStore } from '../adapters/eventstore/postgres/index.js';
import type { EventStore } from '../core/eventstore/index.js';
import { testDatabase } from '../test/support/database.js';
import { bulkAppend, ledgerHistory } from '../test/support/ledgerHistory.js';
import { brokenInvariants, ledgerRows } from '../test/support/readTables.js';
import { projected } from '../test/support/waitFor.js';
import { ledgerProjection } from './ledger/ledgerProjection.js';
import { reconcile } from './reconcile.js';
import { ProjectorRunner } from './runner.js';

const projectAll = async (pool: pg.Pool, store: EventStore): Promise<void> => {
  const runner = new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 5 });
  runner.start();
  const head = await store.headPosition();
  await projected(pool, runner, head);
  await runner.stop();
};

t.test(
  'reconcile finds every tampered field, repairs those users, and ignores a projector that is merely behind',
  async (t) => {
    const { pool } = await testDatabase(t);
    const store = new PostgresEventStore(pool);
    t.teardown(() => store.close());
    const history = [...ledgerHistory({ users: 200, events: 4_000, seed: 3 })];
    await bulkAppend(pool, history.slice(0, 3_500));
    await projectAll(pool, store);
    const clean = await reconcile({ store, pool });
    t.match(clean, { checkedUsers: 200, differences: [], pendingUsers: 0 }, 'a fresh projection has no differences');

    // Events the projector has not seen yet are not differences.
    await bulkAppend(pool, history.slice(3_500));
    const lagging = await reconcile({ store, pool });
    t.same(lagging.differences, [], 'a lagging projector is not a difference');
    t.match(
      lagging,
      { ok: false, verifiedPosition: 3_500, headPosition: 4_000, problems: [/ledger is 500 positions behind/] },
      'but it is not ok either',
    );
    await projectAll(pool, store);
    const good = await ledgerRows(pool);

    const [a, b, c] = (
      await pool.query(`SELECT DISTINCT user_id FROM credit_transactions WHERE transaction_type = 'usage'
        AND status = 'pending'
    ORDER BY user_id LIMIT 3`)
    ).rows.map((r) => Number(r.user_id));
    await pool.query('UPDATE users SET credits = credits + 5 WHERE id = $1', [a]);
    await pool.query(
      'DELETE FROM credit_transactions WHERE id = ' +
        "(SELECT id FROM credit_transactions WHERE user_id = $1 AND transaction_type = 'purchase' LIMIT 1)",
      [b],
    );
    await pool.query(
      `UPDATE credit_transactions SET status = 'completed' WHERE id = (SELECT id FROM credit_transactions
    WHERE user_id = $1 AND transaction_type = 'usage' AND status = 'pending' LIMIT 1)`,
      [c],
    );
    await pool.query(
      `INSERT INTO users (id, credits, last_position, created_at, updated_at) VALUES (999, 7, 1, now(), now())`,
    );

    const report = await reconcile({ store, pool });
    t.equal(report.checkedUsers, 201);
    const fields = report.differences.map((d) => `${d.userId}:${d.field}`).sort();
    t.same(
      fields,
      [
        `${a}:credits`,
        `${b}:transactions_count`,
        `${b}:transactions_credits_sum`,
        `${c}:transactions_pending_held`,
        '999:exists',
      ].sort(),
    );
    const credits = report.differences.find((d) => d.field === 'credits')!;
    t.equal(
      credits.inTable,
      (credits.fromEvents as number) + 5,
      'fromEvents is the replayed account, inTable what the row says',
    );
    t.match(
      report.differences.find((d) => d.userId === '999'),
      { fromEvents: false, inTable: true },
    );
    t.match(
      await reconcile({ store, pool, userId: String(a) }),
      { checkedUsers: 1, differences: [credits] },
      'one user only',
    );

    const repaired = await reconcile({ store, pool, repair: true });
    t.same(repaired.repairedUsers?.sort(), [a, b, c, 999].map(String).sort());
    t.same(repaired.remainingDifferences, []);
    t.match(await reconcile({ store, pool }), { checkedUsers: 200, differences: [] }, 'clean after the repair');
    t.same(await ledgerRows(pool), good, 'the repaired rows are the projected rows');
    t.same(await brokenInvariants(pool), []);
  },
);
