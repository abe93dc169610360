import t from 'tap';
import type { LedgerExport } from '../../app/reports/financeExport.js';
import type { BalancesAsOf, FinanceReport } from '../../app/reports/financeReport.js';
import type { Timeline } from '../../app/reports/timeline.js';
import type { DemoSummary } from '../../scripts/demo/generator.js';
import { runCli } from '../support/cli.js';
import { testDatabase } from '../support/database.js';

/** `modera demo`, `modera user timeline`, `modera finance …`, each run as its own process. */

const { url } = await testDatabase(t);
const env = { DATABASE_URL: url, LOG_LEVEL: 'warn' };
const run = async (args: string[]) => {
  const result = await runCli(args, env);
  return { ...result, json: () => JSON.parse(result.stdout) as unknown };
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const demo = await run(['demo', '--users', '6', '--seed', 'cli', '--start', '2026-01-05', '--json']);
const summary = demo.json() as DemoSummary;

t.test('demo: a realistic history, the same again adds nothing', async (t) => {
  t.equal(demo.code, 0, demo.stderr);
  t.equal(summary.users.length, 6);
  t.ok(summary.purchases.duplicatesIgnored > 0, 'duplicate webhook deliveries were ignored');
  t.same(
    Object.values(summary.purchases.byCurrency).every((n) => n > 0),
    true,
    'three currencies',
  );
  t.ok(
    summary.sessions.tryon.ai_failed + summary.sessions.styling.ai_failed > 0 &&
      summary.chargebacks > 0 &&
      summary.supportGrants > 0 &&
      summary.expiredHolds > 0,
  );
  const again = await run(['demo', '--users', '6', '--seed', 'cli', '--start', '2026-01-05', '--json']);
  t.equal((again.json() as DemoSummary).eventsWritten, 0, 'idempotent per seed');
  t.equal((await run(['demo', '--users', 'many'])).code, 1);
});

t.test('user timeline: the documented JSON, as of a time, errors', async (t) => {
  const debtor = summary.users.find((u) => u.story === 'chargeback_into_debt')!.userId;
  const result = await run(['user', 'timeline', debtor, '--json']);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout.trim().split('\n').length, 1, 'one JSON document');
  const timeline = result.json() as Timeline;
  t.match(timeline, {
    userId: debtor,
    asOf: String,
    state: { balance: Number, available: Number, held: Number, inDebt: true },
  });
  t.match(timeline.events[0], {
    position: Number,
    stream: `account-${debtor}`,
    revision: 0,
    type: 'AccountOpened',
    data: { userId: debtor },
    occurredAt: '2026-01-05T00:01:00.000Z',
    recordedAt: String,
    stateAfter: { balance: 0 },
  });
  const cut = timeline.events[4]!.recordedAt;
  const earlier = (await run(['user', 'timeline', debtor, '--as-of', cut, '--json'])).json() as Timeline;
  t.same(
    earlier.events,
    timeline.events.filter((e) => e.recordedAt <= cut),
  );
  const text = await run(['user', 'timeline', debtor]);
  t.match(text.stdout, /IN DEBT/);
  const unknown = await run(['user', 'timeline', '99', '--json']);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no account for user 99/);
  t.match(
    (await run(['user', 'timeline', debtor, '--as-of', 'last tuesday'])).stderr,
    /--as-of: expected an ISO 8601 time/,
  );
});

t.test('finance export, balances, report: totals tie out to the rows and the replayed balances', async (t) => {
  const to = new Date(Date.now() + 60_000).toISOString();
  const exported = await run(['finance', 'export', '--from', '2000-01-01', '--to', to, '--format', 'json']);
  t.equal(exported.code, 0, exported.stderr);
  const ledger = exported.json() as LedgerExport;
  t.match(ledger, { from: '2000-01-01T00:00:00.000Z', to, rows: Array, totals: Array });
  t.match(ledger.rows[0], {
    position: Number,
    eventId: String,
    userId: String,
    type: 'grant',
    credits: 3,
    amountMinor: null,
    currency: null,
    provider: null,
    paymentId: null,
    occurredAt: String,
  });
  for (const total of ledger.totals) {
    const rows = ledger.rows.filter(
      (r) => r.type === total.type && r.currency === total.currency && r.provider === total.provider,
    );
    t.same(
      [total.count, total.credits, total.amountMinor],
      [rows.length, sum(rows.map((r) => r.credits)), sum(rows.map((r) => r.amountMinor ?? 0))],
      `${total.type} ${total.currency ?? ''}`,
    );
  }
  const balances = (await run(['finance', 'balances', '--as-of', to, '--json'])).json() as BalancesAsOf;
  t.equal(
    sum(ledger.rows.map((r) => r.credits)),
    balances.totals.balance,
    'the export ties out to the replayed balances',
  );

  const csv = await run(['finance', 'export', '--from', '2000-01-01', '--to', to, '--format', 'csv']);
  const lines = csv.stdout.split('\r\n');
  t.equal(
    lines[0],
    'position,eventId,userId,type,credits,amountMinor,currency,provider,paymentId,occurredAt,recordedAt',
  );
  t.equal(lines.length, ledger.rows.length + 2);

  const report = (
    await run(['finance', 'report', '--from', new Date().toISOString().slice(0, 10), '--to', to, '--json'])
  ).json() as FinanceReport;
  t.equal(report.days.at(-1)!.liabilityCredits, balances.totals.liabilityCredits);
  t.ok(
    report.days.some((d) => d.aiCostMicroUsd.tryon > 0),
    'AI cost per feature',
  );
  t.match(
    (await run(['finance', 'export', '--from', '2026-02-01', '--to', '2026-01-01'])).stderr,
    /--from must be before --to/,
  );
});
