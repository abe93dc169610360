import { randomUUID } from 'node:crypto';
import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { readCheckpoint } from '../../projections/checkpoints.js';
import { startProjectors } from '../../projections/projectors.js';
import { reconcile } from '../../projections/reconcile.js';
import { waitFor } from '../support/waitFor.js';
import { testDatabase } from '../support/database.js';
import { bulkAppend, ledgerHistory } from '../support/ledgerHistory.js';

/**
 * Issue 13, reproduction 4: reconcile said "300 of 300 users checked, 0 differences" on empty
 * read tables 8,296 events behind. It must say what it verified, and not be ok until it is.
 */
t.test(
  'reconcile counts only what it compared, states positions and lag, and is not ok behind, failed or quarantined',
  async (t) => {
    const { pool } = await testDatabase(t);
    const store = new PostgresEventStore(pool);
    t.teardown(() => store.close());
    const events = await bulkAppend(pool, ledgerHistory({ users: 30, events: 600, seed: 4 }));

    const behind = await reconcile({ store, pool });
    t.equal(behind.checkedUsers, 0, 'nothing projected: no user compared');
    t.equal(behind.pendingUsers, 30, 'every user said to be pending');
    t.equal(behind.headPosition, events);
    t.equal(behind.verifiedPosition, 0);
    t.match(behind.projections, [
      { name: 'ledger', position: 0, headPosition: events, lagEvents: events, quarantined: [] },
    ]);
    t.equal(behind.ok, false);
    t.match(behind.problems, [/ledger is 600 positions behind the head/]);
    t.equal((await reconcile({ store, pool, maxLag: events })).ok, true, 'within --max-lag it may be behind');

    const projectors = startProjectors({ store, pool });
    t.teardown(() => projectors.stop());
    const head = await store.headPosition();
    await waitFor(
      'both projections at the head',
      async () =>
        (await readCheckpoint(pool, 'ledger'))?.position === head &&
        (await readCheckpoint(pool, 'sessions'))?.position === head,
    );
    const caughtUp = await reconcile({ store, pool });
    t.match(caughtUp, {
      checkedUsers: 30,
      pendingUsers: 0,
      differences: [],
      verifiedPosition: head,
      headPosition: head,
      ok: true,
      problems: [],
    });

    const poison = await store.appendToStream(
      'account-9223372036854775808',
      [
        {
          id: randomUUID(),
          type: 'AccountOpened',
          data: { userId: '9223372036854775808', openedBy: 'user', profile: {} },
          metadata: { occurredAt: new Date().toISOString() },
        },
      ],
      { expected: 'no_stream' },
    );
    await waitFor(
      'the ledger past the poison event',
      async () => (await readCheckpoint(pool, 'ledger'))?.position === poison.position,
    );
    const quarantined = await reconcile({ store, pool });
    t.equal(quarantined.ok, false, 'a quarantined stream is not ok');
    t.match(quarantined.projections, [
      { name: 'ledger', quarantined: [{ stream: 'account-9223372036854775808', fromPosition: poison.position }] },
    ]);
    t.match(quarantined.problems, [/ledger quarantines account-9223372036854775808/]);
    t.equal(quarantined.checkedUsers, 30);
  },
);
