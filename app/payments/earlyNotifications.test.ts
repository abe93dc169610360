import t from 'tap';
import { checkoutSession, dispute, paidSession, stripeEvent, stripeId } from '../../test/fakes/stripePayloads.js';
import { yookassaNotification } from '../../test/fakes/yookassaServer.js';
import { deliverStripe, deliverYooKassa, paymentsHarness, type PaymentsHarness } from '../../test/support/payments.js';

/**
 * Issue 13, reproduction 3, and its class: a provider message that comes before the provider's
 * answer is final, or before what it refers to, is kept and tried again; it is never dropped,
 * and a later delivery of the same message is applied at once.
 */

/** A backoff long enough that nothing is retried by itself during a test step. */
const LONG_BACKOFF_MS = 10 * 60_000;
/** How long a test waits for the running processor to get somewhere. */
const DEADLINE_MS = 20_000;
const POLL_MS = 50;

const waitFor = async (what: string, condition: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
};

/** A YooKassa payment still pending at the API, and the notification YooKassa sends once it succeeds. */
const earlyPayment = (h: PaymentsHarness, userId: string) => {
  const payment = h.yookassaFake.addPayment({ amountValue: '199.00', metadata: { userId, packageId: 'basic' } });
  const notification = yookassaNotification('payment.succeeded', { ...payment, status: 'succeeded', paid: true });
  return { payment, notification };
};

t.test('YooKassa: an early notification stays pending; its genuine redelivery is applied at once', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor({ backoffMs: () => LONG_BACKOFF_MS });
  const { payment, notification } = earlyPayment(h, '2101');
  t.same((await deliverYooKassa(h.app, notification)).json(), { received: true, duplicate: false });
  const early = await processor.drain();
  t.match(
    early.map((p) => p.result),
    [{ status: 'retry', reason: /still says payment .* is pending/ }],
    'asked again later',
  );
  t.match(await h.inboxRows(), [{ status: 'pending', last_error: /pending/ }], 'kept, not rejected');
  t.equal((await h.account('2101')).events.length, 0, 'nothing credited while the API says pending');

  h.yookassaFake.succeed(payment.id);
  const genuine = await deliverYooKassa(h.app, notification);
  t.same(genuine.json(), { received: true, duplicate: false }, 'not answered as a duplicate');
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
    'due at once, not in 10 minutes',
  );
  t.equal((await h.account('2101')).purchases, 1);
  t.same(
    (await deliverYooKassa(h.app, notification)).json(),
    { received: true, duplicate: true },
    'once applied, a redelivery is a duplicate',
  );
  t.equal((await processor.drain()).length, 0);
});

t.test('YooKassa: with no redelivery, the row is asked again with backoff until the API says succeeded', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor({ backoffMs: () => 100, pollIntervalMs: 20 });
  const { payment, notification } = earlyPayment(h, '2102');
  await deliverYooKassa(h.app, notification);
  processor.start();
  t.teardown(() => processor.stop());
  await waitFor('a second look at the API', async () => (await h.inboxRows())[0]!.attempts >= 2);
  t.match(await h.inboxRows(), [{ status: /^(pending|processing)$/, last_error: /pending/ }], 'kept, not rejected');
  t.equal((await h.account('2102')).purchases, 0);
  h.yookassaFake.succeed(payment.id);
  await waitFor('the purchase', async () => (await h.account('2102')).purchases === 1);
  await waitFor('the row settled', async () => (await h.inboxRows())[0]!.status === 'done');
  t.match(await h.inboxRows(), [{ status: 'done', outcome: 'purchased' }]);
});

t.test('YooKassa: asked a bounded number of times; a genuine delivery after that opens the row again', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor({ maxAttempts: 3 });
  const { payment, notification } = earlyPayment(h, '2103');
  await deliverYooKassa(h.app, notification);
  t.match(
    (await processor.drain()).map((p) => p.result.status),
    ['retry', 'retry', 'given_up'],
  );
  t.match(await h.inboxRows(), [{ status: 'failed', attempts: 3 }], 'given up for a person after maxAttempts');

  h.yookassaFake.succeed(payment.id);
  t.same((await deliverYooKassa(h.app, notification)).json(), { received: true, duplicate: false });
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }],
  );
  t.match(await h.inboxRows(), [{ status: 'done', attempts: 1 }], 'with fresh attempts');
  t.equal((await h.account('2103')).purchases, 1);
});

t.test('Stripe: a lost dispute before its purchase waits, and is applied when the purchase lands', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor({ backoffMs: () => LONG_BACKOFF_MS });
  const paymentIntent = stripeId('pi');
  const session = paidSession(checkoutSession({ userId: '2104', packageId: 'basic', amountTotal: 199 }), paymentIntent);
  const lost = stripeEvent('charge.dispute.closed', dispute({ paymentIntent, amount: 199, status: 'lost' }));
  await deliverStripe(h.app, lost);
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'wait' }],
  );
  t.same(
    (await deliverStripe(h.app, lost)).json(),
    { received: true, duplicate: false },
    'a redelivery makes the waiting row due',
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'wait' }],
    'and it still waits for its purchase',
  );

  await deliverStripe(h.app, stripeEvent('checkout.session.completed', session));
  t.match(
    (await processor.drain()).map((p) => p.result),
    [
      { status: 'done', outcome: 'purchased' },
      { status: 'done', outcome: 'refunded' },
    ],
  );
  const account = await h.account('2104');
  t.match(account.events.at(-1), { type: 'PurchaseRefunded', data: { kind: 'chargeback', credits: 10 } });
  t.equal(account.balance, 3, 'the welcome grant stays; the purchase is clawed back');
});

t.test('Stripe: async_payment_succeeded before checkout.session.completed credits once', async (t) => {
  const h = await paymentsHarness(t);
  const processor = h.processor();
  const paymentIntent = stripeId('pi');
  const base = checkoutSession({ userId: '2105', packageId: 'basic', amountTotal: 199 });
  await deliverStripe(h.app, stripeEvent('checkout.session.async_payment_succeeded', paidSession(base, paymentIntent)));
  await deliverStripe(h.app, stripeEvent('checkout.session.completed', paidSession(base, paymentIntent, 'unpaid')));
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'purchased' }, { status: 'ignored' }],
  );
  await deliverStripe(
    h.app,
    stripeEvent('payment_intent.succeeded', {
      id: paymentIntent,
      object: 'payment_intent',
      amount_received: 199,
      currency: 'usd',
      metadata: { userId: '2105', packageId: 'basic' },
    }),
  );
  t.match(
    (await processor.drain()).map((p) => p.result),
    [{ status: 'done', outcome: 'duplicate' }],
  );
  t.equal((await h.account('2105')).purchases, 1);
});
