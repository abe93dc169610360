import t from 'tap';
import { reconcile, repairAccount } from '../../../projections/index.js';
import { runDemo } from '../../../scripts/demo/generator.js';
import { bearer, FINANCE_TOKEN, httpApi, SERVICE_TOKEN, SUPPORT_TOKEN } from '../../../test/support/httpApi.js';
import { registeredRoutes } from '../server.js';
import type { LedgerExport } from '../../../app/reports/financeExport.js';
import type { BalancesAsOf } from '../../../app/reports/financeReport.js';
import type { Timeline } from '../../../app/reports/timeline.js';
import type { ProviderRefund } from '../../../app/support/actions.js';

const refunds: Array<Parameters<ProviderRefund>[0]> = [];
const setup = (t: Parameters<typeof httpApi>[0]) =>
  httpApi(t, {
    admin: ({ store, pool }) => ({
      refundAtProvider: async (request) => void refunds.push(request),
      rebuildUser: (userId) => repairAccount(store, pool, Number(userId)),
      reconcile: () => reconcile({ store, pool }),
    }),
  });

t.test('admin auth: a token from ADMIN_TOKENS with the right role', async (t) => {
  const { app } = await httpApi(t);
  const cases: Array<[string, Record<string, string>, number]> = [
    ['/admin/users/1/timeline', {}, 401],
    ['/admin/users/1/timeline', bearer(SERVICE_TOKEN), 401],
    ['/admin/users/1/timeline', bearer(FINANCE_TOKEN), 403],
    ['/admin/finance/ledger?from=2026-01-01&to=2026-02-01', bearer(SUPPORT_TOKEN), 403],
    ['/admin/users/1/timeline', bearer(SUPPORT_TOKEN), 404],
    ['/admin/users/1/timeline?asOf=yesterday', bearer(SUPPORT_TOKEN), 400],
    ['/admin/finance/ledger?from=2026-02-01&to=2026-01-01', bearer(FINANCE_TOKEN), 400],
    ['/admin/finance/ledger?from=2026-01-01&to=2026-02-01&format=xml', bearer(FINANCE_TOKEN), 400],
    ['/admin/projections/reconcile', bearer(FINANCE_TOKEN), 503],
  ];
  for (const [url, headers, status] of cases)
    t.equal(
      (await app.inject({ method: 'GET', url, headers })).statusCode,
      status,
      `${url} ${Object.keys(headers).length ? 'with token' : 'anonymous'}`,
    );
});

/** The role each admin route is documented for (README, HTTP): a new admin route must be added here. */
const ROLE_OF: Array<[RegExp, 'support' | 'finance']> = [
  [/^\/admin\/users\//, 'support'],
  [/^\/admin\/(finance|projections)\//, 'finance'],
];

t.test('role matrix: every admin route x {no token, service token, support, finance}: documented status', async (t) => {
  const { app } = await httpApi(t);
  const routes = registeredRoutes(app).filter((r) => r.url.startsWith('/admin/'));
  t.ok(routes.length >= 9, `${routes.length} admin routes`);
  const callers: Array<[string, Record<string, string>, 'support' | 'finance' | null]> = [
    ['no token', {}, null],
    ['service token', bearer(SERVICE_TOKEN), null],
    ['support', bearer(SUPPORT_TOKEN), 'support'],
    ['finance', bearer(FINANCE_TOKEN), 'finance'],
  ];
  for (const route of routes) {
    const role = ROLE_OF.find(([pattern]) => pattern.test(route.url))?.[1];
    t.ok(role, `${route.url} has a documented role`);
    const url = route.url.replace(':userId', '1').replace(':reservationId', 'r-1');
    for (const [caller, headers, callerRole] of callers) {
      // Input the route may refuse: the role is decided before the input is looked at.
      const post = route.method === 'POST';
      const response = await app.inject({
        method: route.method as 'GET' | 'POST',
        url,
        headers: { ...headers, ...(post ? { 'content-type': 'application/json' } : {}) },
        ...(post ? { payload: '{"reason":"role matrix"}' } : {}),
      });
      const name = `${route.method} ${route.url} as ${caller}: ${response.statusCode}`;
      if (callerRole === null) t.equal(response.statusCode, 401, name);
      else if (callerRole !== role) t.equal(response.statusCode, 403, name);
      else
        t.ok(
          ![401, 403].includes(response.statusCode) && route.statuses.includes(response.statusCode),
          `${name} (allowed)`,
        );
      t.ok(route.statuses.includes(401) && route.statuses.includes(403), `${route.url} documents 401 and 403`);
    }
  }
});

t.test(
  'on demo data: timeline as of, finance export ties out to rows and replayed balances, report, reconcile',
  async (t) => {
    const { app, store, pool } = await setup(t);
    const demo = await runDemo({ store, users: 6, seed: 'admin-test' });
    const get = (url: string, token: string) => app.inject({ method: 'GET', url, headers: bearer(token) });
    const debtor = demo.users.find((u) => u.story === 'chargeback_into_debt')!.userId;

    const full = (await get(`/admin/users/${debtor}/timeline`, SUPPORT_TOKEN)).json() as Timeline;
    t.match(full.state, { inDebt: true }, 'the chargeback left the account in debt');
    t.same(full.events.at(-1)!.stateAfter, full.state);
    t.ok(
      full.events.some((e) => e.stream.startsWith('tryon-')) &&
        full.events.some((e) => e.stream.startsWith('styling-')),
      'sessions are in it',
    );
    const cut = full.events[Math.floor(full.events.length / 2)]!;
    const asOf = (
      await get(`/admin/users/${debtor}/timeline?asOf=${encodeURIComponent(cut.recordedAt)}`, SUPPORT_TOKEN)
    ).json() as Timeline;
    t.same(
      asOf.events,
      full.events.filter((e) => e.recordedAt <= cut.recordedAt),
      'as of: events recorded after it are left out',
    );
    t.same(asOf.state, asOf.events.at(-1)!.stateAfter);

    const to = new Date(Date.now() + 60_000).toISOString();
    const ledger = (await get(`/admin/finance/ledger?from=2000-01-01&to=${to}`, FINANCE_TOKEN)).json() as LedgerExport;
    const balances = (await get(`/admin/finance/balances?asOf=${to}`, FINANCE_TOKEN)).json() as BalancesAsOf;
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    t.equal(sum(ledger.totals.map((x) => x.credits)), sum(ledger.rows.map((r) => r.credits)), 'totals credits = rows');
    t.equal(
      sum(ledger.totals.map((x) => x.amountMinor)),
      sum(ledger.rows.map((r) => r.amountMinor ?? 0)),
      'totals money = rows',
    );
    t.equal(sum(ledger.totals.map((x) => x.count)), ledger.rows.length);
    t.equal(sum(ledger.rows.map((r) => r.credits)), balances.totals.balance, 'rows = replayed balances');
    for (const account of balances.accounts) {
      t.equal(
        sum(ledger.rows.filter((r) => r.userId === account.userId).map((r) => r.credits)),
        account.balance,
        `user ${account.userId}`,
      );
    }
    t.same(
      new Set(ledger.totals.filter((x) => x.type === 'purchase').map((x) => x.currency)),
      new Set(['USD', 'RUB', 'XTR']),
      'three currencies',
    );

    const csv = await get(`/admin/finance/ledger?from=2000-01-01&to=${to}&format=csv`, FINANCE_TOKEN);
    t.match(csv.headers['content-type'], /^text\/csv/);
    t.equal(csv.body.split('\r\n').length, ledger.rows.length + 2, 'a header, a line per row, a final line end');

    const report = (
      await get(`/admin/finance/report?from=${new Date().toISOString().slice(0, 10)}&to=${to}`, FINANCE_TOKEN)
    ).json() as { days: Array<{ liabilityCredits: number; creditsSold: number }> };
    t.equal(
      report.days.at(-1)!.liabilityCredits,
      balances.totals.liabilityCredits,
      'liability at the end of today = the replayed positive balances',
    );

    const rebuild = () =>
      app.inject({
        method: 'POST',
        url: `/admin/users/${debtor}/rebuild`,
        headers: { ...bearer(SUPPORT_TOKEN), 'content-type': 'application/json' },
        payload: '{"reason":"rows look wrong"}',
      });
    t.match((await rebuild()).json(), { action: 'rebuild_read_rows', outcome: 'ok' });
    await pool.query('UPDATE users SET credits = credits + 7 WHERE id = $1', [debtor]);
    const before = (await get('/admin/projections/reconcile', FINANCE_TOKEN)).json() as {
      checkedUsers: number;
      pendingUsers: number;
      ok: boolean;
      differences: Array<{ userId: string; field: string }>;
    };
    // No projector runs here: only the rebuilt user has rows to compare; the others are pending, not "checked".
    t.match(before, { checkedUsers: 1, pendingUsers: 5, ok: false });
    t.match(before.differences, [{ userId: debtor, field: 'credits' }], 'a tampered row is a difference');
    t.match((await rebuild()).json(), { outcome: 'ok' });
    const after = (await get('/admin/projections/reconcile', FINANCE_TOKEN)).json() as typeof before;
    t.notOk(
      after.differences.some((d) => d.userId === debtor),
      "the rebuilt user's rows match the events",
    );
  },
);

t.test('support actions: grant, refund through the provider, release a stuck hold; audited, idempotent', async (t) => {
  const { app, executeAccount, store } = await setup(t);
  const user = '5301';
  const now = () => new Date().toISOString();
  await executeAccount(user, {
    type: 'PurchaseCredits',
    userId: user,
    paymentId: 'ykp-1',
    provider: 'yookassa',
    packageId: 'premium',
    credits: 50,
    amountMinor: 69_900,
    currency: 'RUB',
    occurredAt: now(),
  });
  await executeAccount(user, {
    type: 'ReserveCredits',
    reservationId: 'stuck-1',
    credits: 5,
    feature: 'styling',
    ttlSeconds: 900,
    occurredAt: now(),
  });
  const post = (url: string, body: object) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(SUPPORT_TOKEN), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  const actionId = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const grant = await post(`/admin/users/${user}/grants`, { credits: 5, reason: 'slow try-on yesterday', actionId });
  t.match(grant.json(), { actionId, action: 'goodwill_grant', outcome: 'ok', ledgerPosition: Number });
  t.match(
    (await post(`/admin/users/${user}/grants`, { credits: 5, reason: 'slow try-on yesterday', actionId })).json(),
    { outcome: 'no_change' },
    'a retried action is done once',
  );
  t.equal((await post(`/admin/users/${user}/grants`, { credits: 5000, reason: 'too generous' })).statusCode, 400);
  t.equal((await post(`/admin/users/${user}/grants`, { credits: 5 })).statusCode, 400, 'a reason is required');
  t.equal((await post('/admin/users/5399/grants', { credits: 5, reason: 'who is this' })).statusCode, 404);

  const refund = await post(`/admin/users/${user}/refunds`, {
    paymentId: 'ykp-1',
    reason: 'customer asked within 14 days',
  });
  t.match(refund.json(), { action: 'refund_purchase', outcome: 'ok' });
  t.same(
    refunds.map((r) => [r.provider, r.paymentId, r.amountMinor, r.currency]),
    [['yookassa', 'ykp-1', 69_900, 'RUB']],
    'the money goes back through its provider',
  );
  t.equal(
    (await post(`/admin/users/${user}/refunds`, { paymentId: 'nope', reason: 'typo in the id' })).statusCode,
    404,
  );

  t.match((await post(`/admin/users/${user}/holds/stuck-1/release`, { reason: 'worker lost the job' })).json(), {
    action: 'release_hold',
    outcome: 'ok',
  });
  const twice = await post(`/admin/users/${user}/holds/unknown-hold/release`, { reason: 'no such hold' });
  t.equal(twice.statusCode, 409);
  t.match(twice.json(), {
    error: { code: 'rejected', rejection: 'reservation_not_found', details: { action: 'release_hold' } },
  });

  const events = await store.readStream(`account-${user}`);
  const refunded = events.find((e) => e.type === 'PurchaseRefunded')!;
  t.match(refunded.metadata, { actor: 'operator:ann' });
  t.match(
    events.find((e) => e.type === 'CreditsGranted' && (e.data as { reason: string }).reason === 'goodwill')!.data,
    { credits: 5, operator: 'ann' },
  );
  const audit = (await store.readStream(`audit-${user}`)).map(
    (e) => e.data as { action: string; operator: string; reason: string; outcome: string },
  );
  t.same(
    audit.map((a) => [a.action, a.operator, a.outcome]),
    [
      ['goodwill_grant', 'ann', 'ok'],
      ['refund_purchase', 'ann', 'ok'],
      ['release_hold', 'ann', 'ok'],
      ['release_hold', 'ann', 'reservation_not_found'],
    ],
    'every action, refused ones too, is an audited event with operator and reason',
  );
  const timeline = (
    await app.inject({ method: 'GET', url: `/admin/users/${user}/timeline`, headers: bearer(SUPPORT_TOKEN) })
  ).json() as Timeline;
  t.ok(
    timeline.events.some((e) => e.type === 'OperatorActionRecorded'),
    'and they are in the timeline',
  );
  t.match(timeline.state, { balance: 3 + 50 + 5 - 50, held: 0 });

  const off = await httpApi(t);
  await off.executeAccount(user, { type: 'OpenAccount', userId: user, profile: {}, occurredAt: now() });
  const noProvider = await off.app.inject({
    method: 'POST',
    url: `/admin/users/${user}/rebuild`,
    headers: { ...bearer(SUPPORT_TOKEN), 'content-type': 'application/json' },
    payload: '{"reason":"try it"}',
  });
  t.match(noProvider.json(), { error: { code: 'feature_off' } });
});
