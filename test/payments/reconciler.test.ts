import { Api } from 'grammy';
import t from 'tap';
import { runCli } from '../support/cli.js';
import { stripeEvent } from '../fakes/stripePayloads.js';
import { startFakeStarsApi } from '../fakes/telegramStarsServer.js';
import { deliverStripe, paymentsHarness, STRIPE_WEBHOOK_SECRET } from '../support/payments.js';
import { createStripeClient } from '../../adapters/payments/stripe/client.js';
import { createStripeCheckout } from '../../adapters/payments/stripe/checkout.js';
import { paidPaymentSources } from '../../adapters/payments/paidPayments.js';
import { starsPayload } from '../../app/payments/stars.js';
import { reconcilePayments } from '../../app/payments/reconciler.js';
import { defaultLedgerConfig, packageById } from '../../core/ledger/config.js';

const attempt = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

t.test('the reconciler credits every paid payment no webhook delivered, exactly once, on every provider', async (t) => {
  const h = await paymentsHarness(t);
  const stars = await startFakeStarsApi();
  t.teardown(stars.close);
  const stripe = createStripeClient({ secretKey: h.stripeFake.secretKey, apiUrl: h.stripeFake.url });
  const basic = packageById(defaultLedgerConfig, 'basic');
  const checkout = (userId: string, n: number) =>
    createStripeCheckout(stripe, {
      userId,
      package: basic,
      attemptId: attempt(n),
      successUrl: 'https://m.test/ok',
      cancelUrl: 'https://m.test/no',
    });

  // Stripe: one paid and delivered, one paid and never delivered, one left unpaid.
  const delivered = h.stripeFake.pay((await checkout('6001', 1)).sessionId);
  await deliverStripe(h.app, stripeEvent('checkout.session.completed', delivered));
  const lost = h.stripeFake.pay((await checkout('6002', 2)).sessionId);
  await checkout('6003', 3);
  // YooKassa: one succeeded without a notification, one still pending.
  const paidRub = h.yookassaFake.succeed(
    h.yookassaFake.addPayment({ amountValue: '199.00', metadata: { userId: '6004', packageId: 'basic' } }).id,
  );
  h.yookassaFake.addPayment({ amountValue: '199.00', metadata: { userId: '6005', packageId: 'basic' } });
  // Stars: a payment Telegram knows, whose successful_payment never reached us; and a withdrawal.
  stars.transactions.push(
    {
      id: 'stxLost0001',
      amount: 100,
      date: Math.floor(Date.now() / 1000),
      source: {
        type: 'user',
        transaction_type: 'invoice_payment',
        user: { id: 6006, is_bot: false, first_name: 'Bo' },
        invoice_payload: starsPayload('6006', 'basic'),
      },
    },
    { id: 'withdrawal1', amount: 500, date: Math.floor(Date.now() / 1000), receiver: { type: 'fragment' } },
  );
  const processor = h.processor();
  await processor.drain();

  const sources = { stripe, yookassa: h.yookassa, telegram: new Api(stars.token, { apiRoot: stars.apiRoot }) };
  const first = await reconcilePayments(h, paidPaymentSources(sources));
  t.match(first.providers, [
    { provider: 'stripe', paid: 2, credited: 1, missing: 1, missingPaymentIds: [lost.payment_intent] },
    { provider: 'yookassa', paid: 1, credited: 0, missing: 1, missingPaymentIds: [paidRub.id] },
    { provider: 'telegram_stars', paid: 1, credited: 0, missing: 1, missingPaymentIds: ['stxLost0001'] },
  ]);
  t.match(
    (await processor.drain()).map((p) => p.result),
    [
      { status: 'done', outcome: 'purchased' },
      { status: 'done', outcome: 'purchased' },
      { status: 'done', outcome: 'purchased' },
    ],
  );
  for (const userId of ['6001', '6002', '6004', '6006'])
    t.equal((await h.account(userId)).purchases, 1, `user ${userId}: one purchase`);
  t.equal((await h.account('6003')).events.length, 0, 'unpaid: nothing');
  t.equal((await h.account('6005')).events.length, 0, 'pending: nothing');

  const second = await reconcilePayments(h, paidPaymentSources(sources));
  t.same(
    second.providers.map((p) => p.missing),
    [0, 0, 0],
    'a second run finds nothing missing',
  );
  // The lost webhook turns up after all: a duplicate, not a second purchase.
  await deliverStripe(h.app, stripeEvent('checkout.session.completed', lost));
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'duplicate' }],
  );
  t.equal((await h.account('6002')).purchases, 1);

  const broken = await reconcilePayments(
    h,
    paidPaymentSources({ stripe: createStripeClient({ secretKey: 'sk_test_wrong', apiUrl: h.stripeFake.url }) }),
  );
  t.match(
    broken.providers,
    [{ provider: 'stripe', error: /Invalid API Key/ }],
    'a provider that cannot be asked is reported, not fatal',
  );
});

t.test('npx modera payments reconcile --json: one JSON document, the missing payment credited', async (t) => {
  const h = await paymentsHarness(t);
  const paid = h.yookassaFake.succeed(
    h.yookassaFake.addPayment({ amountValue: '699.00', metadata: { userId: '6101', packageId: 'premium' } }).id,
  );
  const env = {
    DATABASE_URL: h.url,
    LOG_LEVEL: 'silent',
    MODERA_DATA_DIR: t.testdir(),
    STRIPE_SECRET_KEY: h.stripeFake.secretKey,
    STRIPE_WEBHOOK_SECRET,
    STRIPE_API_URL: h.stripeFake.url,
    YOOKASSA_SHOP_ID: h.yookassaFake.shopId,
    YOOKASSA_SECRET_KEY: h.yookassaFake.secretKey,
    YOOKASSA_API_URL: h.yookassaFake.url,
    TELEGRAM_BOT_TOKEN: undefined,
    EVENTSTORE_URL: undefined,
  };
  const run = await runCli(['payments', 'reconcile', '--json'], env);
  t.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    providers: Array<{ provider: string; missing: number }>;
    applied: Record<string, number>;
  };
  t.match(report, {
    providers: [
      { provider: 'stripe', missing: 0 },
      { provider: 'yookassa', missing: 1, missingPaymentIds: [paid.id] },
    ],
    applied: { purchased: 1 },
  });
  t.equal((await h.account('6101')).purchases, 1);
  const again = JSON.parse((await runCli(['payments', 'reconcile', '--json'], env)).stdout) as typeof report;
  t.same(
    again.providers.map((p) => p.missing),
    [0, 0],
  );
  t.equal((await h.account('6101')).purchases, 1, 'exactly once');
});
