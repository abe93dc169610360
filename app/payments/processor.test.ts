import t from 'tap';
import { accountStream } from '../../core/ledger/index.js';
import {
  charge,
  checkoutSession,
  dispute,
  paidSession,
  stripeBody,
  stripeEvent,
  stripeId,
} from '../../test/fakes/stripePayloads.js';
import { deliverStripe, paymentsHarness } from '../../test/support/payments.js';
import { LEDGER_PROJECTION, startProjectors, waitForPosition } from '../../projections/index.js';

/** A paid Checkout Session of the basic package (10 credits, $1.99) for this user. */
const paidBasic = (userId: string) => {
  const paymentIntent = stripeId('pi');
  return {
    paymentIntent,
    session: paidSession(checkoutSession({ userId, packageId: 'basic', amountTotal: 199 }), paymentIntent),
  };
};

t.test('a paid Stripe checkout credits the account once, opening it for a user the bot never saw', async (t) => {
  const h = await paymentsHarness(t);
  const { session } = paidBasic('1001');
  const event = stripeEvent('checkout.session.completed', session);
  const first = await deliverStripe(h.app, event);
  t.equal(first.statusCode, 200);
  t.same(first.json(), { received: true, duplicate: false });
  t.same(
    (await deliverStripe(h.app, event)).json(),
    { received: true, duplicate: true },
    'the redelivery is recorded once',
  );
  t.equal((await h.account('1001')).events.length, 0, 'acknowledged, not applied in the request');

  const processed = await h.processor().drain();
  t.match(
    processed.map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
  );
  const account = await h.account('1001');
  t.same(
    account.events.map((e) => e.type),
    ['AccountOpened', 'CreditsGranted', 'CreditsPurchased'],
  );
  t.match(account.events[0]!.data, { openedBy: 'payment' });
  t.match(account.events[2]!.data, {
    provider: 'stripe',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
  });
  t.equal(account.balance, 3 + 10, 'welcome grant + package');
  t.match(await h.inboxRows(), [{ status: 'done', outcome: 'purchased', attempts: 1 }]);
});

t.test('a refund that arrives before its payment waits, then claws back once the payment lands', async (t) => {
  const h = await paymentsHarness(t);
  const { paymentIntent, session } = paidBasic('1002');
  const processor = h.processor();
  await deliverStripe(
    h.app,
    stripeEvent('charge.refunded', charge({ paymentIntent, amount: 199, amountRefunded: 199 })),
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'wait' }],
  );
  t.match(await h.inboxRows(), [{ status: 'pending', last_error: /purchase is not recorded yet/ }]);
  t.equal((await h.account('1002')).events.length, 0, 'nothing recorded against no purchase');

  await deliverStripe(h.app, stripeEvent('checkout.session.completed', session));
  const processed = await processor.drain();
  t.match(
    processed.map((p) => p.result),
    [
      { status: 'done', outcome: 'purchased' },
      { status: 'done', outcome: 'refunded' },
    ],
  );
  const account = await h.account('1002');
  t.same(account.events.map((e) => e.type).slice(2), ['CreditsPurchased', 'PurchaseRefunded']);
  t.match(account.events[3]!.data, { kind: 'refund', credits: 10, amountMinor: 199 });
  t.equal(account.balance, 3, 'the welcome grant stays; the purchase is gone');
  // The same refund told again by another event type (refund.updated) changes nothing.
  await deliverStripe(
    h.app,
    stripeEvent('refund.updated', {
      id: stripeId('re'),
      object: 'refund',
      amount: 199,
      payment_intent: paymentIntent,
      status: 'succeeded',
    }),
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'duplicate' }],
  );
  t.equal((await h.account('1002')).refunds, 1);
});

t.test('a dispute lost after the credits were spent leaves the account in debt', async (t) => {
  const h = await paymentsHarness(t);
  const { paymentIntent, session } = paidBasic('1003');
  const processor = h.processor();
  await deliverStripe(h.app, stripeEvent('checkout.session.completed', session));
  await processor.drain();
  const stream = accountStream('1003');
  const occurredAt = new Date().toISOString();
  t.match(
    await h.ledger(stream, {
      type: 'ReserveCredits',
      reservationId: 'r-1',
      credits: 13,
      feature: 'tryon',
      ttlSeconds: 600,
      occurredAt,
    }),
    { ok: true },
  );
  t.match(await h.ledger(stream, { type: 'CaptureReservation', reservationId: 'r-1', credits: 13, occurredAt }), {
    ok: true,
  });
  t.equal((await h.account('1003')).balance, 0, 'all spent');

  await deliverStripe(
    h.app,
    stripeEvent('charge.dispute.created', dispute({ paymentIntent, amount: 199, status: 'needs_response' })),
  );
  await deliverStripe(
    h.app,
    stripeEvent('charge.dispute.closed', dispute({ paymentIntent, amount: 199, status: 'lost' })),
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'ignored' }, { status: 'done', outcome: 'refunded' }],
  );
  const account = await h.account('1003');
  t.match(account.events.at(-1), {
    type: 'PurchaseRefunded',
    data: { kind: 'chargeback', credits: 10, balanceAfter: -10 },
  });
  t.equal(account.balance, -10);
  t.equal(account.inDebt, true, 'new reservations are refused until repaid');
  t.match(
    await h.ledger(stream, {
      type: 'ReserveCredits',
      reservationId: 'r-2',
      credits: 3,
      feature: 'tryon',
      ttlSeconds: 600,
      occurredAt,
    }),
    { ok: false, rejection: 'account_in_debt' },
  );
  const projectors = startProjectors({ store: h.store, pool: h.pool });
  await waitForPosition(h.pool, LEDGER_PROJECTION, await h.store.headPosition(), 10_000);
  await projectors.stop();
  t.same(
    (await h.pool.query('SELECT credits, in_debt FROM users WHERE id = 1003')).rows,
    [{ credits: -10, in_debt: true }],
    'users.credits shows the debt',
  );
});

t.test('forged Stripe input is refused before the inbox: no row, no ledger event', async (t) => {
  const h = await paymentsHarness(t);
  const { session } = paidBasic('1004');
  const event = stripeEvent('checkout.session.completed', session);
  const cases: Array<[string, Parameters<typeof deliverStripe>[2]]> = [
    ['signed with another secret', { secret: 'whsec_attacker_secret_000000' }],
    ['signature older than the tolerance (a replay)', { timestamp: Math.floor(Date.now() / 1000) - 600 }],
    ['a re-serialised body (parsed and stringified again)', { body: JSON.stringify(event) }],
    [
      'the amount edited after signing',
      { body: stripeBody(event).replace('"amount_total": 199', '"amount_total": 1') },
    ],
  ];
  for (const [name, options] of cases) {
    const response = await deliverStripe(h.app, event, options);
    t.equal(response.statusCode, 400, name);
    t.match(response.json(), { error: { code: 'invalid_signature' } }, name);
  }
  const unsigned = await h.app.inject({
    method: 'POST',
    url: '/webhook/stripe',
    headers: { 'content-type': 'application/json' },
    payload: stripeBody(event),
  });
  t.equal(unsigned.statusCode, 400, 'no signature header');
  t.same(await h.inboxRows(), []);
  await h.processor().drain();
  t.equal((await h.account('1004')).events.length, 0);
});
