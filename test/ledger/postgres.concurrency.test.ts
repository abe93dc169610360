import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { PostgresSnapshotStore } from '../../adapters/eventstore/postgres/index.js';
import { createCommandHandler } from '../../core/eventstore/index.js';
import {
  DEFAULT_LEDGER_CONFIG_INPUT,
  accountDecider,
  accountStream,
  foldAccount,
  parseLedgerConfig,
  summaryOf,
  type AccountEvent,
} from '../../core/ledger/index.js';
import { testDatabase } from '../support/database.js';
import { open, purchase, reserve } from './fixtures.js';

/** The ledger on the real PostgreSQL event store, under concurrent commands on one account. */

const config = parseLedgerConfig({ ...DEFAULT_LEDGER_CONFIG_INPUT, welcomeCredits: 0, maxOpenHolds: 50 });

for (const eventsInSameDatabase of [false, true])
  t.test(
    `ledger on PostgreSQL under concurrency (snapshot and tail in one query: ${eventsInSameDatabase})`,
    async (t) => {
      const { pool } = await testDatabase(t, { poolMax: 20 });
      const store = new PostgresEventStore(pool);
      t.teardown(() => store.close());
      const snapshots = new PostgresSnapshotStore(pool, { eventsInSameDatabase });
      const handle = createCommandHandler(accountDecider(config), { store, snapshots, snapshotEveryEvents: 4 });
      const history = async (userId: string) =>
        (await store.readStream(accountStream(userId))).map((e) => e as unknown as AccountEvent);

      t.test('50 parallel reservations of 10 against a balance of 100: exactly 10 holds, no overdraft', async (t) => {
        const stream = accountStream('100');
        t.match(await handle(stream, open({ userId: '100' })), { ok: true });
        t.match(await handle(stream, purchase({ userId: '100', credits: 100 })), { ok: true });
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => handle(stream, reserve({ reservationId: `r-${i}`, credits: 10 }))),
        );
        const written = results.filter((r) => r.ok && r.events.length === 1);
        t.equal(written.length, 10, 'ten holds');
        t.same(
          [...new Set(results.filter((r) => !r.ok).map((r) => !r.ok && r.rejection))],
          ['insufficient_credits'],
          'the rest refused for credits',
        );
        const events = await history('100');
        t.equal(events.filter((e) => e.type === 'CreditsReserved').length, 10);
        t.same(summaryOf(foldAccount(events).core), { balance: 100, available: 0, held: 100, inDebt: false });
        t.same(new Set(written.map((r) => r.revision)).size, 10, 'each hold at its own revision');
      });

      t.test('20 parallel identical purchases: one purchase (and one opening)', async (t) => {
        const stream = accountStream('200');
        const command = purchase({
          userId: '200',
          paymentId: 'stripe-cs_123',
          credits: 50,
          packageId: 'premium',
          amountMinor: 799,
        });
        const results = await Promise.all(Array.from({ length: 20 }, () => handle(stream, command)));
        t.ok(
          results.every((r) => r.ok),
          'every caller is told it is done',
        );
        const events = await history('200');
        t.same(
          events.map((e) => e.type),
          ['AccountOpened', 'CreditsPurchased'],
        );
        t.same(summaryOf(foldAccount(events).core), { balance: 50, available: 50, held: 0, inDebt: false });
        t.same(new Set(results.map((r) => r.position)).size, 1, 'all report the same position');
      });

      t.test('20 parallel identical purchases on an open account: one purchase', async (t) => {
        const stream = accountStream('300');
        await handle(stream, open({ userId: '300' }));
        const command = purchase({
          userId: '300',
          paymentId: 'yk-1',
          provider: 'yookassa',
          currency: 'RUB',
          amountMinor: 19_900,
        });
        await Promise.all(Array.from({ length: 20 }, () => handle(stream, command)));
        t.same(
          (await history('300')).map((e) => e.type),
          ['AccountOpened', 'CreditsPurchased'],
        );
      });
    },
  );
