import { Api } from 'grammy';
import t from 'tap';
import { startFakeStarsApi } from '../fakes/telegramStarsServer.js';
import { yookassaNotification } from '../fakes/yookassaServer.js';
import { deliverYooKassa, paymentsHarness } from '../support/payments.js';
import { pino } from 'pino';
import { buildHttpServer } from '../../adapters/http/server.js';
import { paymentRoutes } from '../../adapters/http/payments/routes.js';
import { yookassaDeliveryCheck } from '../../adapters/payments/webhookChecks.js';
import { ipAllowlist } from '../../adapters/payments/yookassa/ipAllowlist.js';
import { starsPayload } from '../../app/payments/stars.js';
import { recordStarsRefund, refundStarsPayment } from '../../adapters/payments/telegramStars/refund.js';

t.test(
  'YooKassa: a notification from its addresses, confirmed by the API, credits once; a refund claws back',
  async (t) => {
    const h = await paymentsHarness(t);
    const payment = h.yookassaFake.addPayment({
      amountValue: '699.00',
      metadata: { userId: '2001', packageId: 'premium' },
    });
    const paid = h.yookassaFake.succeed(payment.id);
    const notification = yookassaNotification('payment.succeeded', paid);
    t.equal((await deliverYooKassa(h.app, notification)).statusCode, 200);
    t.same((await deliverYooKassa(h.app, notification)).json(), { received: true, duplicate: true });
    const processor = h.processor();
    t.match(
      (await processor.drain()).map((p) => p.result),
      [{ status: 'done', outcome: 'purchased' }],
    );
    t.ok(
      h.yookassaFake.requests.some((r) => r.method === 'GET' && r.path === `/v3/payments/${payment.id}`),
      'the payment was read from the API',
    );
    let account = await h.account('2001');
    t.match(account.events.at(-1), {
      type: 'CreditsPurchased',
      data: { provider: 'yookassa', paymentId: payment.id, credits: 50, amountMinor: 69_900, currency: 'RUB' },
    });

    const refund = h.yookassaFake.refund(payment.id, '699.00');
    await deliverYooKassa(h.app, yookassaNotification('refund.succeeded', refund));
    t.match(
      (await processor.drain()).map((p) => p.result),
      [{ status: 'done', outcome: 'refunded' }],
    );
    account = await h.account('2001');
    t.match(account.events.at(-1), {
      type: 'PurchaseRefunded',
      data: { kind: 'refund', credits: 50, amountMinor: 69_900 },
    });
    t.equal(account.balance, 3);
  },
);

t.test('YooKassa: forged notifications are refused and leave no ledger event', async (t) => {
  const h = await paymentsHarness(t);
  const pending = h.yookassaFake.addPayment({
    amountValue: '199.00',
    metadata: { userId: '2002', packageId: 'basic' },
  });
  const claimed = { ...pending, status: 'succeeded', paid: true };
  const outside = await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', claimed), '203.0.113.9');
  t.equal(outside.statusCode, 403, 'from an address outside YooKassa’s ranges');
  const local = await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', claimed), '127.0.0.1');
  t.equal(local.statusCode, 403, 'from localhost too');
  t.same(await h.inboxRows(), [], 'refused before the inbox');
  // From an allowed address (a proxy that forwards anything, say), but the API says pending.
  t.equal((await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', claimed))).statusCode, 200);
  const unknown = { ...claimed, id: '2f000000-000f-5000-9000-000000000000' };
  await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', unknown));
  const bad = await h.app.inject({
    method: 'POST',
    url: '/webhook/yookassa',
    remoteAddress: '185.71.76.7',
    headers: { 'content-type': 'application/json' },
    payload: '{"type":"notification"',
  });
  t.equal(bad.statusCode, 400, 'not JSON');
  const processor = h.processor({ backoffMs: () => 10 * 60_000 });
  t.match(
    (await processor.drain()).map((p) => p.result),
    [
      { status: 'retry', reason: /the API still says payment .* is pending/ },
      { status: 'rejected', outcome: /YooKassa has no such object/ },
    ],
  );
  t.match(
    await h.inboxRows(),
    [{ status: 'pending' }, { status: 'rejected' }],
    'a pending payment may still be paid: asked again later',
  );
  // YooKassa cancels a payment nobody paid: the API's answer is final, and contradicts the claim.
  h.yookassaFake.payments.set(pending.id, { ...pending, status: 'canceled' });
  await deliverYooKassa(h.app, yookassaNotification('payment.succeeded', claimed));
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'rejected', outcome: /the API says payment .* is canceled/ }],
  );
  t.match(await h.inboxRows(), [{ status: 'rejected' }, { status: 'rejected' }]);
  t.equal((await h.account('2002')).events.length, 0);
});

t.test('Stars: successful_payment credits by the charge id; refundStarPayment claws back, once', async (t) => {
  const h = await paymentsHarness(t);
  const fake = await startFakeStarsApi();
  t.teardown(fake.close);
  const api = new Api(fake.token, { apiRoot: fake.apiRoot });
  const payment = {
    currency: 'XTR',
    total_amount: 100,
    invoice_payload: starsPayload('3001', 'basic'),
    telegram_payment_charge_id: 'stxTestCharge0001',
    provider_payment_charge_id: '',
  };
  const record = { userId: '3001', date: Math.floor(Date.now() / 1000), payment };
  for (let i = 0; i < 2; i++) {
    await h.inbox.record({
      provider: 'telegram_stars',
      deliveryId: `successful_payment:${payment.telegram_payment_charge_id}`,
      kind: 'stars.successful_payment',
      source: 'bot',
      body: JSON.stringify(record),
    });
  }
  const processor = h.processor();
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
  );
  t.match((await h.account('3001')).events.at(-1), {
    type: 'CreditsPurchased',
    data: { provider: 'telegram_stars', paymentId: 'stxTestCharge0001', currency: 'XTR', amountMinor: 100 },
  });

  const refund = await refundStarsPayment(
    { api, inbox: h.inbox, purchases: h.purchases },
    { userId: '3001', chargeId: 'stxTestCharge0001' },
  );
  t.same(
    fake.calls.filter((c) => c.method === 'refundStarPayment').map((c) => c.payload),
    [{ user_id: 3001, telegram_payment_charge_id: 'stxTestCharge0001' }],
  );
  t.equal(refund.alreadyRefunded, false);
  // Telegram then tells the bot (refunded_payment): the same delivery, recorded once.
  const echoed = await recordStarsRefund(h.inbox, {
    userId: '3001',
    date: record.date,
    refund: {
      currency: 'XTR',
      total_amount: 100,
      invoice_payload: payment.invoice_payload,
      telegram_payment_charge_id: 'stxTestCharge0001',
    },
  });
  t.equal(echoed.duplicate, true);
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'refunded' }],
  );
  const again = await refundStarsPayment(
    { api, inbox: h.inbox, purchases: h.purchases },
    { userId: '3001', chargeId: 'stxTestCharge0001' },
  );
  t.equal(again.alreadyRefunded, true, 'CHARGE_ALREADY_REFUNDED is not an error');
  const account = await h.account('3001');
  t.equal(account.refunds, 1);
  t.equal(account.balance, 3);
  await t.rejects(
    refundStarsPayment(
      { api, inbox: h.inbox, purchases: h.purchases },
      { userId: '3002', chargeId: 'stxTestCharge0001' },
    ),
    { name: 'ProviderRejected' },
  );
});

t.test('YooKassa behind a proxy: X-Forwarded-For counts only when the proxy is trusted', async (t) => {
  const h = await paymentsHarness(t);
  const paid = h.yookassaFake.succeed(
    h.yookassaFake.addPayment({ amountValue: '199.00', metadata: { userId: '2003', packageId: 'basic' } }).id,
  );
  const body = JSON.stringify(yookassaNotification('payment.succeeded', paid));
  const post = (app: typeof h.app, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/webhook/yookassa',
      remoteAddress,
      payload: body,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '185.71.76.7' },
    });
  t.equal(
    (await post(h.app, '203.0.113.9')).statusCode,
    403,
    'trustProxy off: a client cannot claim YooKassa’s address',
  );
  const proxied = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    trustProxy: '10.0.0.2',
    health: async () => ({ status: 'ok', version: 'test', uptimeSeconds: 0, dependencies: {}, projections: [] }),
    plugins: [paymentRoutes({ inbox: h.inbox, yookassa: yookassaDeliveryCheck(ipAllowlist()) })],
  });
  t.teardown(() => proxied.close());
  t.equal((await post(proxied, '10.0.0.2')).statusCode, 200, 'from our proxy, the forwarded address is YooKassa’s');
  t.equal((await post(proxied, '203.0.113.9')).statusCode, 403, 'from anyone else, the header is ignored');
});
