import t from 'tap';
import { ProviderUnreachable } from '../../../app/payments/errors.js';
import { bearer, httpApi, SERVICE_TOKEN } from '../../../test/support/httpApi.js';
import { commandsTotal } from '../metrics.js';
import type { PurchaseRequest } from './purchases.js';

const USER = '5001';
const json = (token = SERVICE_TOKEN, extra: Record<string, string> = {}) => ({
  ...bearer(token),
  'content-type': 'application/json',
  ...extra,
});

t.test('auth, packages, balance from the users table, per-user rate limit, OpenAPI', async (t) => {
  const { app, pool } = await httpApi(t, { api: { rateLimitPerMinute: 3 } });
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/credits/packages' })).statusCode, 401, 'no token');
  t.match(
    (
      await app.inject({ method: 'GET', url: '/api/v1/credits/packages', headers: bearer('wrong-token-0123456789') })
    ).json(),
    { error: { code: 'unauthorized' } },
  );
  const packages = await app.inject({ method: 'GET', url: '/api/v1/credits/packages', headers: bearer(SERVICE_TOKEN) });
  t.same(packages.json(), {
    packages: [
      { id: 'basic', credits: 10, prices: { USD: 199, RUB: 19_900, XTR: 100 } },
      { id: 'premium', credits: 50, prices: { USD: 799, RUB: 69_900, XTR: 400 } },
    ],
  });

  await pool.query(
    'INSERT INTO users (id, credits, credits_reserved, last_position, created_at, updated_at) ' +
      'VALUES ($1, 7, 3, 1, now(), now())',
    [USER],
  );
  const balance = await app.inject({
    method: 'GET',
    url: `/api/v1/credits/balance/${USER}`,
    headers: bearer(SERVICE_TOKEN),
  });
  t.same(balance.json(), { userId: USER, credits: 7, reserved: 3 });
  t.match(
    (await app.inject({ method: 'GET', url: '/api/v1/credits/balance/6001', headers: bearer(SERVICE_TOKEN) })).json(),
    { error: { code: 'not_found' } },
  );
  const malformed = await app.inject({
    method: 'GET',
    url: '/api/v1/credits/balance/abc',
    headers: bearer(SERVICE_TOKEN),
  });
  t.equal(malformed.statusCode, 400);
  t.match(malformed.json(), { error: { code: 'invalid_user_id' } }, 'a malformed user id has its own code');

  // 3 per minute in this app: one balance read of USER above, two more, then refused; others are not.
  for (let i = 0; i < 2; i++)
    t.equal(
      (await app.inject({ method: 'GET', url: `/api/v1/credits/balance/${USER}`, headers: bearer(SERVICE_TOKEN) }))
        .statusCode,
      200,
    );
  const limited = await app.inject({
    method: 'GET',
    url: `/api/v1/credits/balance/${USER}`,
    headers: bearer(SERVICE_TOKEN),
  });
  t.equal(limited.statusCode, 429);
  t.match(limited.json(), { error: { code: 'rate_limited' } });
  t.ok(limited.headers['retry-after'], 'says when to retry');
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/credits/balance/7001', headers: bearer(SERVICE_TOKEN) }))
      .statusCode,
    404,
    'another user has their own budget',
  );

  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
  for (const path of [
    '/api/v1/credits/balance/{userId}',
    '/api/v1/credits/packages',
    '/api/v1/credits/purchase',
    '/api/v1/credits/use',
    '/api/v1/invoice/create',
    '/api/v1/fashion/virtual-tryon',
    '/api/v1/fashion/tryon-status/{sessionId}',
    '/api/v1/fashion/style-analysis',
    '/api/v1/fashion/recommendations',
    '/admin/users/{userId}/timeline',
    '/admin/finance/ledger',
  ]) {
    t.ok(docs.paths[path], `${path} is documented`);
  }
});

t.test('/credits/use: charge, replay, key reuse, reserve then capture, refusals, metrics', async (t) => {
  const { app, executeAccount, store } = await httpApi(t);
  await executeAccount(USER, {
    type: 'PurchaseCredits',
    userId: USER,
    paymentId: 'pi_use',
    provider: 'stripe',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
    occurredAt: new Date().toISOString(),
  });
  const use = (body: object, key?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/credits/use',
      headers: json(SERVICE_TOKEN, key ? { 'idempotency-key': key } : {}),
      payload: JSON.stringify(body),
    });
  const charge = { user_id: Number(USER), credits_amount: 3, feature_used: 'tryon', session_id: 's-1' };
  const okBefore =
    (await commandsTotal.get()).values.find(
      (v) => v.labels.command === 'CaptureReservation' && v.labels.outcome === 'ok',
    )?.value ?? 0;

  const first = await use(charge, 'key-1');
  t.equal(first.statusCode, 200);
  t.match(first.json(), {
    userId: USER,
    action: 'charge',
    status: 'captured',
    credits: 3,
    reservationId: /^api-[0-9a-f]{40}$/,
  });
  t.equal(first.headers['idempotent-replayed'], 'false');
  const replay = await use(charge, 'key-1');
  t.same(replay.json(), first.json(), 'the same key and body replay the first answer');
  t.equal(replay.headers['idempotent-replayed'], 'true');
  const captures = (await store.readStream(`account-${USER}`)).filter((e) => e.type === 'ReservationCaptured');
  t.equal(captures.length, 1, 'charged once');
  const okAfter =
    (await commandsTotal.get()).values.find(
      (v) => v.labels.command === 'CaptureReservation' && v.labels.outcome === 'ok',
    )?.value ?? 0;
  t.equal(okAfter - okBefore, 1, 'commands are counted by outcome');

  const reused = await use({ ...charge, credits_amount: 5 }, 'key-1');
  t.equal(reused.statusCode, 422);
  t.match(reused.json(), { error: { code: 'idempotency_key_reused' } });
  t.match((await use(charge)).json(), { error: { code: 'idempotency_key_required' } });
  t.equal((await use(charge)).statusCode, 400);

  const held = await use({ ...charge, credits_amount: 5, feature_used: 'styling', action: 'reserve' }, 'key-2');
  t.match(held.json(), { status: 'held', credits: 5 });
  const reservationId = (held.json() as { reservationId: string }).reservationId;
  const captured = await use(
    { ...charge, credits_amount: 5, feature_used: 'styling', action: 'capture', reservation_id: reservationId },
    'key-3',
  );
  t.match(captured.json(), { status: 'captured', reservationId });

  const short = await use({ ...charge, credits_amount: 100 }, 'key-4');
  t.equal(short.statusCode, 402);
  t.match(short.json(), { error: { code: 'payment_required', rejection: 'insufficient_credits' } });
  await executeAccount(USER, {
    type: 'PurchaseCredits',
    userId: USER,
    paymentId: 'pi_use_2',
    provider: 'stripe',
    packageId: 'premium',
    credits: 50,
    amountMinor: 799,
    currency: 'USD',
    occurredAt: new Date().toISOString(),
  });
  await executeAccount(USER, {
    type: 'PurchaseCredits',
    userId: USER,
    paymentId: 'pi_use_3',
    provider: 'stripe',
    packageId: 'premium',
    credits: 50,
    amountMinor: 799,
    currency: 'USD',
    occurredAt: new Date().toISOString(),
  });
  t.equal(
    (await use({ ...charge, credits_amount: 100 }, 'key-4')).statusCode,
    200,
    'a retryable refusal is not kept: the same key succeeds once credits arrive',
  );

  t.match((await use({ ...charge, user_id: '6002' }, 'key-5')).json(), {
    error: { code: 'not_found', rejection: 'account_not_found' },
  });
  t.equal((await use({ ...charge, action: 'capture' }, 'key-6')).statusCode, 400, 'capture without reservation_id');
  const broken = await app.inject({
    method: 'POST',
    url: '/api/v1/credits/use',
    headers: json(SERVICE_TOKEN, { 'idempotency-key': 'k' }),
    payload: '{"user_id":',
  });
  t.match(broken.json(), { error: { code: 'malformed_json' } });
  t.equal(broken.statusCode, 400);
});

t.test('purchase and invoice: validation, payments off, a started checkout, provider failures', async (t) => {
  const seen: PurchaseRequest[] = [];
  let fail = false;
  const startPurchase = async (request: PurchaseRequest) => {
    seen.push(request);
    if (fail)
      throw new ProviderUnreachable('server_error', 'Stripe answered 500', { provider: request.provider, status: 500 });
    return request.provider === 'telegram_stars'
      ? { provider: request.provider, url: 'https://t.me/$invoice-demo' }
      : { provider: request.provider, url: 'https://checkout.stripe.com/c/pay/cs_test_1', reference: 'cs_test_1' };
  };
  const off = await httpApi(t);
  const body = { user_id: 5002, package_type: 'basic', currency: 'USD', payment_provider: 'stripe' };
  const post = (app: typeof off.app, url: string, payload: object, key?: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: json(SERVICE_TOKEN, key ? { 'idempotency-key': key } : {}),
      payload: JSON.stringify(payload),
    });
  t.match((await post(off.app, '/api/v1/credits/purchase', body)).json(), { error: { code: 'feature_off' } });
  t.equal((await post(off.app, '/api/v1/credits/purchase', body)).statusCode, 503);
  t.match((await post(off.app, '/api/v1/credits/purchase', { ...body, currency: 'RUB' })).json(), {
    error: { code: 'invalid_request', message: /stripe takes USD/ },
  });
  t.equal((await post(off.app, '/api/v1/credits/purchase', { ...body, package_type: 'gold' })).statusCode, 400);
  t.equal((await post(off.app, '/api/v1/invoice/create', { user_id: 5002 })).statusCode, 400);

  const on = await httpApi(t, { api: { startPurchase } });
  const started = await post(on.app, '/api/v1/credits/purchase', body, 'attempt-1');
  t.same(started.json(), {
    userId: '5002',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
    provider: 'stripe',
    paymentUrl: 'https://checkout.stripe.com/c/pay/cs_test_1',
    reference: 'cs_test_1',
  });
  const again = await post(on.app, '/api/v1/credits/purchase', body, 'attempt-1');
  t.same(again.json(), started.json(), 'the same Idempotency-Key and body replay the first answer');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.equal(seen.length, 1, 'without asking the provider again');
  const invoice = await post(on.app, '/api/v1/invoice/create', { user_id: '5002', package_type: 'premium' });
  t.match(invoice.json(), {
    provider: 'telegram_stars',
    currency: 'XTR',
    amountMinor: 400,
    paymentUrl: 'https://t.me/$invoice-demo',
  });
  fail = true;
  const down = await post(on.app, '/api/v1/credits/purchase', body);
  t.equal(down.statusCode, 503);
  t.match(down.json(), { error: { code: 'provider_unreachable', rejection: 'server_error' } });
  // A failure is not kept: the same key tries again, as the same payment attempt at the provider.
  t.equal((await post(on.app, '/api/v1/credits/purchase', body, 'attempt-2')).statusCode, 503);
  fail = false;
  t.equal((await post(on.app, '/api/v1/credits/purchase', body, 'attempt-2')).statusCode, 200);
  t.equal(
    seen.at(-1)!.attemptId,
    seen.at(-2)!.attemptId,
    'the same Idempotency-Key is the same payment attempt at the provider',
  );
});
