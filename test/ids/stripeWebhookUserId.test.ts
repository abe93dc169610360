import t from 'tap';
import {
  checkoutSession,
  paidSession,
  stripeBody,
  stripeEvent,
  stripeId,
  stripeSignature,
} from '../fakes/stripePayloads.js';
import { paymentsHarness, STRIPE_WEBHOOK_SECRET } from '../support/payments.js';
import { waitFor } from '../support/waitFor.js';

/**
 * Issue 13, reproduction 1 end to end: a genuine, signed Stripe delivery of a paid checkout for a
 * user id past 2^52 is recorded and acknowledged (money is never lost in silence), then rejected
 * with its reason by the processor: no event for that id, and the next user's payment is applied.
 */

const deliver = (h: Awaited<ReturnType<typeof paymentsHarness>>, userId: string) => {
  const session = paidSession(checkoutSession({ userId, packageId: 'basic', amountTotal: 199 }), stripeId('pi'));
  const body = stripeBody(stripeEvent('checkout.session.completed', session));
  return h.app.inject({
    method: 'POST',
    url: '/webhook/stripe',
    payload: body,
    headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, STRIPE_WEBHOOK_SECRET) },
  });
};

t.test(
  'a signed Stripe delivery for user 9223372036854775808: recorded, rejected with the reason, nothing appended',
  async (t) => {
    const h = await paymentsHarness(t);
    const before = await h.store.headPosition();
    const bad = await deliver(h, '9223372036854775808');
    t.equal(bad.statusCode, 200, 'acknowledged: Stripe must not retry a delivery we have recorded');
    const good = await deliver(h, '4002');
    t.equal(good.statusCode, 200);

    const processor = h.processor({ workers: 1, pollIntervalMs: 5 });
    processor.start();
    t.teardown(() => processor.stop());
    await waitFor(
      'the inbox to be worked off',
      async () =>
        (await h.pool.query("SELECT 1 FROM payments_inbox WHERE status IN ('pending', 'processing')")).rowCount === 0,
    );

    const rows = await h.inboxRows();
    t.equal(rows.length, 2, 'both deliveries are in the inbox');
    const rejected = rows.filter((row) => row.status === 'rejected');
    t.equal(rejected.length, 1, 'one rejected');
    t.match(
      `${rejected[0]?.outcome ?? ''} ${rejected[0]?.last_error ?? ''}`,
      /user/i,
      'with a reason that names the user id',
    );
    const { rows: streams } = await h.pool.query<{ stream: string }>(
      'SELECT DISTINCT stream FROM events WHERE position > $1 ORDER BY stream',
      [before],
    );
    t.same(
      streams.map((s) => s.stream),
      ['account-4002'],
      'only the valid user got events',
    );
    t.equal((await h.account('4002')).purchases, 1, 'the next user was credited');
  },
);
