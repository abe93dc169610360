import { Api } from 'grammy';
import { pino } from 'pino';
import t from 'tap';
import { accountStream } from '../../core/ledger/index.js';
import { startFakeStarsApi, type FakeStarsApi } from '../fakes/telegramStarsServer.js';
import { checkoutSession, charge, paidSession, stripeEvent, stripeId } from '../fakes/stripePayloads.js';
import { yookassaNotification } from '../fakes/yookassaServer.js';
import { ADMIN_TOKENS, bearer, SUPPORT_TOKEN } from '../support/httpApi.js';
import { deliverStripe, deliverYooKassa, paymentsHarness, type PaymentsHarness } from '../support/payments.js';
import { fashionSessionLocator } from '../../adapters/postgres/sessionLocator.js';
import { adminRoutes } from '../../adapters/http/admin/adminRoutes.js';
import { ActionRefused, type ProviderRefund } from '../../app/support/actions.js';
import { buildHttpServer } from '../../adapters/http/server.js';
import { ProviderRejected } from '../../app/payments/errors.js';
import { createProviderRefunds } from '../../app/payments/refunds.js';
import { providerRefunders, YOOKASSA_REFUND_DESCRIPTION } from '../../adapters/payments/refunds.js';
import { createStripeClient } from '../../adapters/payments/stripe/client.js';
import { starsPayload } from '../../app/payments/stars.js';

type Test = Parameters<typeof paymentsHarness>[0];
type RefundRequest = Parameters<ProviderRefund>[0];

const ACTION_5005 = '5a3c1e0e-7d1b-4c52-9a61-000000005005';
const ACTION_5006 = '5a3c1e0e-7d1b-4c52-9a61-000000005006';

/** A basic package ($1.99, 10 credits) paid through Stripe Checkout, credited through the webhook. */
const stripePurchase = async (h: PaymentsHarness, userId: string) => {
  const paymentIntent = stripeId('pi');
  const sessionId = stripeId('cs_test');
  const session = paidSession(
    checkoutSession({ id: sessionId, userId, packageId: 'basic', amountTotal: 199 }),
    paymentIntent,
  );
  h.stripeFake.sessions.set(sessionId, session); // Stripe knows the payment it took
  await deliverStripe(h.app, stripeEvent('checkout.session.completed', session));
  return paymentIntent;
};

/** A premium package (699 ₽, 50 credits) paid through YooKassa, credited from its notification. */
const yookassaPurchase = async (h: PaymentsHarness, userId: string) => {
  const paid = h.yookassaFake.succeed(
    h.yookassaFake.addPayment({ amountValue: '699.00', metadata: { userId, packageId: 'premium' } }).id,
  );
  await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', paid));
  return paid.id;
};

/** A basic package paid in Stars (100 XTR), as the bot records successful_payment. */
const starsPurchase = async (h: PaymentsHarness, userId: string, chargeId: string) => {
  const payment = {
    currency: 'XTR',
    total_amount: 100,
    invoice_payload: starsPayload(userId, 'basic'),
    telegram_payment_charge_id: chargeId,
    provider_payment_charge_id: '',
  };
  await h.inbox.record({
    provider: 'telegram_stars',
    deliveryId: `successful_payment:${chargeId}`,
    kind: 'stars.successful_payment',
    source: 'bot',
    body: JSON.stringify({ userId, date: Math.floor(Date.now() / 1000), payment }),
  });
};

const fakeStars = async (t: Test): Promise<{ fake: FakeStarsApi; api: Api }> => {
  const fake = await startFakeStarsApi();
  t.teardown(fake.close);
  return { fake, api: new Api(fake.token, { apiRoot: fake.apiRoot }) };
};

/** The admin routes on the harness's database and ledger, with this refund port. */
const adminApp = async (t: Test, h: PaymentsHarness, refundAtProvider?: ProviderRefund) => {
  const app = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    health: async () => ({ status: 'ok', version: 'test', uptimeSeconds: 0, dependencies: {}, projections: [] }),
    plugins: [
      adminRoutes({
        tokens: ADMIN_TOKENS,
        store: h.store,
        sessions: fashionSessionLocator(h.pool),
        executeAccount: (userId, command) => h.ledger(accountStream(userId), command),
        refundAtProvider,
      }),
    ],
  });
  t.teardown(() => app.close());
  return (userId: string, body: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: `/admin/users/${userId}/refunds`,
      headers: { ...bearer(SUPPORT_TOKEN), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
};

t.test('Stripe: the refund reaches Stripe with our key, once; its webhook claws back once', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor();
  const paymentIntent = await stripePurchase(h, '5001');
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
  );

  const refundAtProvider = createProviderRefunds(
    providerRefunders(
      { stripe: createStripeClient({ secretKey: h.stripeFake.secretKey, apiUrl: h.stripeFake.url }) },
      h,
    ),
  );
  const request: RefundRequest = {
    provider: 'stripe',
    paymentId: paymentIntent,
    userId: '5001',
    amountMinor: 199,
    currency: 'USD',
    idempotencyKey: 'action-5001',
  };
  await refundAtProvider(request);
  await refundAtProvider(request); // support's retry, e.g. after a timeout

  const sent = h.stripeFake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds');
  t.equal(sent.length, 2);
  for (const r of sent) {
    t.same(
      r.form,
      { payment_intent: paymentIntent, amount: '199', metadata: { userId: '5001' } },
      'form-encoded as Stripe takes it',
    );
    t.equal(r.headers['idempotency-key'], 'action-5001', 'our idempotency key, not one the SDK made');
  }
  t.equal(h.stripeFake.refunds.size, 1, 'one refund at Stripe');
  const [refund] = [...h.stripeFake.refunds.values()];
  t.match(refund, {
    object: 'refund',
    amount: 199,
    currency: 'usd',
    payment_intent: paymentIntent,
    status: 'succeeded',
    metadata: { userId: '5001' },
  });
  t.equal((await h.account('5001')).refunds, 0, 'the ledger waits for Stripe to tell');

  // What Stripe then sends: refund.created with the refund, and charge.refunded.
  await deliverStripe(h.app, stripeEvent('refund.created', refund!));
  await deliverStripe(
    h.app,
    stripeEvent('charge.refunded', charge({ paymentIntent, amount: 199, amountRefunded: 199 })),
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [
      { status: 'done', outcome: 'refunded' },
      { status: 'done', outcome: 'duplicate' },
    ],
  );
  const account = await h.account('5001');
  t.equal(account.events.filter((e) => e.type === 'PurchaseRefunded').length, 1, 'exactly one PurchaseRefunded');
  t.match(account.events.at(-1), { type: 'PurchaseRefunded', data: { kind: 'refund', credits: 10, amountMinor: 199 } });
  t.equal(account.balance, 3, 'the welcome grant stays');
});

t.test('YooKassa: POST /refunds with our Idempotence-Key, once; refund.succeeded claws back once', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor();
  const paymentId = await yookassaPurchase(h, '5002');
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
  );

  const refundAtProvider = createProviderRefunds(providerRefunders({ yookassa: h.yookassa }, h));
  const request: RefundRequest = {
    provider: 'yookassa',
    paymentId,
    userId: '5002',
    amountMinor: 69_900,
    currency: 'RUB',
    idempotencyKey: 'action-5002',
  };
  await refundAtProvider(request);
  await refundAtProvider(request);

  const sent = h.yookassaFake.requests.filter((r) => r.method === 'POST' && r.path === '/v3/refunds');
  t.equal(sent.length, 2);
  for (const r of sent) {
    t.same(r.body, {
      payment_id: paymentId,
      amount: { value: '699.00', currency: 'RUB' },
      description: YOOKASSA_REFUND_DESCRIPTION,
    });
    t.equal(r.headers['idempotence-key'], 'action-5002');
  }
  t.equal(h.yookassaFake.refunds.size, 1, 'one refund at YooKassa');
  const [refund] = [...h.yookassaFake.refunds.values()];
  t.match(refund, { payment_id: paymentId, status: 'succeeded', amount: { value: '699.00', currency: 'RUB' } });
  t.match(h.yookassaFake.payments.get(paymentId), { refunded_amount: { value: '699.00', currency: 'RUB' } });
  t.equal((await h.account('5002')).refunds, 0);

  const notification = yookassaNotification('refund.succeeded', refund!);
  await deliverYooKassa(h.app, notification);
  await deliverYooKassa(h.app, notification); // YooKassa's redelivery: recorded once
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'refunded' }],
  );
  const account = await h.account('5002');
  t.equal(account.events.filter((e) => e.type === 'PurchaseRefunded').length, 1, 'exactly one PurchaseRefunded');
  t.match(account.events.at(-1), {
    type: 'PurchaseRefunded',
    data: { kind: 'refund', credits: 50, amountMinor: 69_900 },
  });
});

t.test('Stars: refundStarPayment once; the inbox row it records claws back once', async (t) => {
  const h = await paymentsHarness(t);
  const { fake, api } = await fakeStars(t);
  const processor = h.processor();
  await starsPurchase(h, '5003', 'stxRefundCharge5003');
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
  );

  const refundAtProvider = createProviderRefunds(providerRefunders({ telegram: api }, h));
  const request: RefundRequest = {
    provider: 'telegram_stars',
    paymentId: 'stxRefundCharge5003',
    userId: '5003',
    amountMinor: 100,
    currency: 'XTR',
    idempotencyKey: 'action-5003',
  };
  await refundAtProvider(request);
  await refundAtProvider(request); // Telegram answers CHARGE_ALREADY_REFUNDED: done all the same
  t.same(
    fake.calls.filter((c) => c.method === 'refundStarPayment').map((c) => c.payload),
    [1, 2].map(() => ({ user_id: 5003, telegram_payment_charge_id: 'stxRefundCharge5003' })),
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'refunded' }],
    'one inbox row for both calls',
  );
  const account = await h.account('5003');
  t.equal(account.events.filter((e) => e.type === 'PurchaseRefunded').length, 1, 'exactly one PurchaseRefunded');
  t.match(account.events.at(-1), { type: 'PurchaseRefunded', data: { kind: 'refund', credits: 10, amountMinor: 100 } });
});

t.test('a provider that is not configured is feature_off (503 from the admin route)', async (t) => {
  const h = await paymentsHarness(t);
  const refundAtProvider = createProviderRefunds(providerRefunders({}, h));
  for (const [provider, currency] of [
    ['stripe', 'USD'],
    ['yookassa', 'RUB'],
    ['telegram_stars', 'XTR'],
  ] as const) {
    await t.rejects(
      refundAtProvider({ provider, paymentId: 'p-1', userId: '5004', amountMinor: 100, currency, idempotencyKey: 'k' }),
      new ActionRefused('feature_off', `refunds through ${provider} are not configured on this server`),
      provider,
    );
  }
  const paymentIntent = await stripePurchase(h, '5004');
  await h.processor().drain();
  const refund = await adminApp(t, h, refundAtProvider);
  const answer = await refund('5004', { paymentId: paymentIntent, reason: 'customer asked' });
  t.equal(answer.statusCode, 503);
  t.match(answer.json(), { error: { code: 'feature_off' } });
  t.equal((await h.account('5004')).refunds, 0);
});

t.test('a provider that says no is ProviderRejected (502 provider_rejected, nothing recorded)', async (t) => {
  const h = await paymentsHarness(t);
  const stripe = createStripeClient({ secretKey: h.stripeFake.secretKey, apiUrl: h.stripeFake.url });
  const refundAtProvider = createProviderRefunds(providerRefunders({ stripe, yookassa: h.yookassa }, h));
  const unknownIntent = await refundAtProvider({
    provider: 'stripe',
    paymentId: 'pi_unknown',
    userId: '5005',
    amountMinor: 199,
    currency: 'USD',
    idempotencyKey: 'k-1',
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.type(unknownIntent, ProviderRejected);
  t.match(unknownIntent, { code: 'invalid_request', status: 400, provider: 'stripe' });
  await t.rejects(
    refundAtProvider({
      provider: 'yookassa',
      paymentId: '2419a771-000f-5000-9000-1edaf29243f2',
      userId: '5005',
      amountMinor: 19_900,
      currency: 'RUB',
      idempotencyKey: 'k-2',
    }),
    { name: 'ProviderRejected', code: 'not_found', provider: 'yookassa' },
  );

  // Through the admin route: Stripe refuses (already refunded on Stripe's side, e.g. from its dashboard).
  const paymentIntent = await stripePurchase(h, '5005');
  await h.processor().drain();
  await stripe.refunds.create({ payment_intent: paymentIntent }, { idempotencyKey: 'dashboard' });
  const refund = await adminApp(t, h, refundAtProvider);
  const answer = await refund('5005', { paymentId: paymentIntent, reason: 'customer asked', actionId: ACTION_5005 });
  t.equal(answer.statusCode, 502);
  t.match(answer.json(), {
    error: { code: 'provider_rejected', rejection: 'invalid_request', message: /already been refunded/ },
  });
  t.equal((await h.account('5005')).refunds, 0, 'no clawback without the provider’s refund');
});

t.test(
  'the admin route end to end: Stripe refunds once, and its webhook after the clawback changes nothing',
  async (t) => {
    const h = await paymentsHarness(t);
    const processor = h.processor();
    const paymentIntent = await stripePurchase(h, '5006');
    await processor.drain();
    const stripe = createStripeClient({ secretKey: h.stripeFake.secretKey, apiUrl: h.stripeFake.url });
    const refund = await adminApp(t, h, createProviderRefunds(providerRefunders({ stripe }, h)));

    const first = await refund('5006', {
      paymentId: paymentIntent,
      reason: 'customer asked within 14 days',
      actionId: ACTION_5006,
    });
    t.equal(first.statusCode, 200);
    t.match(first.json(), { action: 'refund_purchase', outcome: 'ok' });
    t.match(
      h.stripeFake.requests.filter((r) => r.path === '/v1/refunds').map((r) => r.headers['idempotency-key']),
      [ACTION_5006],
      'the action id is the idempotency key',
    );
    t.match(
      (await refund('5006', { paymentId: paymentIntent, reason: 'clicked twice', actionId: ACTION_5006 })).json(),
      { outcome: 'no_change' },
    );
    t.equal(h.stripeFake.refunds.size, 1);

    await deliverStripe(h.app, stripeEvent('refund.created', [...h.stripeFake.refunds.values()][0]!));
    t.match(
      (await processor.drain()).map((p) => p.result),
      [{ status: 'done', outcome: 'duplicate' }],
    );
    const account = await h.account('5006');
    t.equal(account.events.filter((e) => e.type === 'PurchaseRefunded').length, 1, 'exactly one PurchaseRefunded');
    t.equal(account.balance, 3);
  },
);
