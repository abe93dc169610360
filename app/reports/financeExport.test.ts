import t from 'tap';
import { createCommandHandler, MemoryEventStore } from '../../core/eventstore/index.js';
import { accountDecider, accountStream, type AccountCommand } from '../../core/ledger/index.js';
import { csvField, toCsv } from './csv.js';
import { exportLedger, ledgerCsv, totalsOf } from './financeExport.js';
import { balancesAsOf, financeReport } from './financeReport.js';

/** A command without its time: the test's clock stamps it. */
type Untimed<C> = C extends unknown ? Omit<C, 'occurredAt'> : never;
type WithoutTime = Untimed<AccountCommand>;

t.test('CSV fields: quoting, doubled quotes, line breaks, formula text neutralised, numbers as they are', async (t) => {
  const cases: Array<[Parameters<typeof csvField>[0], string]> = [
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@sum', "'@sum"],
    [-3, '-3'],
    [0, '0'],
    [null, ''],
    [undefined, ''],
    [true, 'true'],
  ];
  for (const [value, expected] of cases) t.equal(csvField(value), expected, JSON.stringify(value));
  t.equal(toCsv(['a', 'b'], [{ a: 1, b: 'x,y' }]), 'a,b\r\n1,"x,y"\r\n', 'header, rows, CRLF');
});

t.test('export: one row per movement, signed, in [from, to) by recording time; totals are the sums', async (t) => {
  let now = Date.parse('2026-04-01T00:00:00Z');
  const store = new MemoryEventStore({ clock: () => new Date(now) });
  const ledger = createCommandHandler(accountDecider(), { store });
  const run = async (hour: number, user: string, command: WithoutTime) => {
    now = Date.parse('2026-04-01T00:00:00Z') + Math.round(hour * 3_600_000);
    // occurredAt a day earlier than recording: the period follows recordedAt.
    return ledger(accountStream(user), {
      ...command,
      occurredAt: new Date(now - 86_400_000).toISOString(),
    } as AccountCommand);
  };
  await run(1, '7', {
    type: 'PurchaseCredits',
    userId: '7',
    paymentId: 'pay,"1"',
    provider: 'yookassa',
    packageId: 'premium',
    credits: 50,
    amountMinor: 69_900,
    currency: 'RUB',
  });
  await run(2, '7', { type: 'ReserveCredits', reservationId: 'r1', credits: 5, feature: 'styling', ttlSeconds: 600 });
  await run(2.1, '7', { type: 'CaptureReservation', reservationId: 'r1', credits: 5 });
  await run(4, '8', {
    type: 'PurchaseCredits',
    userId: '8',
    paymentId: 'stars-1',
    provider: 'telegram_stars',
    packageId: 'basic',
    credits: 10,
    amountMinor: 100,
    currency: 'XTR',
  });
  await run(5, '8', { type: 'RefundPurchase', paymentId: 'stars-1', kind: 'refund' });
  await run(6, '7', { type: 'AdjustCredits', adjustmentId: 'a1', delta: -2, reason: 'double grant', operator: 'ann' });
  await run(30, '7', { type: 'GrantCredits', grantId: 'g1', credits: 4, reason: 'goodwill', operator: 'ann' });

  const all = await exportLedger(store, { from: '2026-04-01T00:00:00Z', to: '2026-04-02T00:00:00Z' });
  t.same(
    all.rows.map((r) => [r.userId, r.type, r.credits, r.amountMinor, r.currency, r.provider]),
    [
      ['7', 'grant', 3, null, null, null],
      ['7', 'purchase', 50, 69_900, 'RUB', 'yookassa'],
      ['7', 'usage', -5, null, null, null],
      ['8', 'grant', 3, null, null, null],
      ['8', 'purchase', 10, 100, 'XTR', 'telegram_stars'],
      ['8', 'refund', -10, -100, 'XTR', 'telegram_stars'],
      ['7', 'adjustment', -2, null, null, null],
    ],
    'the grant on day 2 is outside the period',
  );
  t.match(all.rows[1], {
    paymentId: 'pay,"1"',
    occurredAt: '2026-03-31T01:00:00.000Z',
    recordedAt: '2026-04-01T01:00:00.000Z',
  });
  t.same(all.totals, totalsOf(all.rows));
  t.same(
    all.totals.find((x) => x.type === 'grant'),
    { type: 'grant', currency: null, provider: null, count: 2, credits: 6, amountMinor: 0 },
  );
  t.equal(
    all.totals.reduce((s, x) => s + x.credits, 0),
    all.rows.reduce((s, r) => s + r.credits, 0),
  );

  const split = await exportLedger(store, { from: '2026-04-01T00:00:00Z', to: '2026-04-01T02:06:00Z' });
  const rest = await exportLedger(store, { from: '2026-04-01T02:06:00Z', to: '2026-04-02T00:00:00Z' });
  t.same(
    [...split.rows, ...rest.rows],
    all.rows,
    'consecutive periods split the rows without overlap (the usage recorded at 02:06 falls in the second)',
  );

  const csv = ledgerCsv(all).split('\r\n');
  t.equal(csv[0], 'position,eventId,userId,type,credits,amountMinor,currency,provider,paymentId,occurredAt,recordedAt');
  t.match(csv[2], /,7,purchase,50,69900,RUB,yookassa,"pay,""1""",2026-03-31T01:00:00.000Z,/);

  const balances = await balancesAsOf(store, '2026-04-02T00:00:00Z');
  t.same(balances.accounts, [
    { userId: '7', balance: 46, available: 46, held: 0, inDebt: false },
    { userId: '8', balance: 3, available: 3, held: 0, inDebt: false },
  ]);
  t.equal(
    balances.totals.balance,
    all.rows.reduce((s, r) => s + r.credits, 0),
    'the export ties out to the replayed balances',
  );

  const report = await financeReport(store, { from: '2026-04-01T00:00:00Z', to: '2026-04-03T00:00:00Z' });
  t.match(report.days[0], {
    day: '2026-04-01',
    revenueMinor: { RUB: 69_900, USD: 0, XTR: 100 },
    refundsMinor: { XTR: 100 },
    creditsSold: 60,
    creditsConsumed: 5,
    creditsRefunded: 10,
    creditsGranted: 6,
    creditsAdjusted: -2,
    liabilityCredits: 49,
  });
  t.match(report.days[1], { day: '2026-04-02', creditsGranted: 4, liabilityCredits: 53 });
});
