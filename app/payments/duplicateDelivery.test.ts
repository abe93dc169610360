import type { AddressInfo } from 'node:net';
import t from 'tap';
import {
  checkoutSession,
  paidSession,
  paymentIntent,
  stripeBody,
  stripeEvent,
  stripeId,
  stripeSignature,
} from '../../test/fakes/stripePayloads.js';
import { paymentsHarness, STRIPE_WEBHOOK_SECRET } from '../../test/support/payments.js';
import { waitFor } from '../../test/support/waitFor.js';
import { LEDGER_PROJECTION, startProjectors, waitForPosition } from '../../projections/index.js';

/** Deliveries of one paid payment, all at once: [event type, how many times]. */
const DELIVERIES: Array<[string, number]> = [
  ['checkout.session.completed', 8], // Stripe's retries of one event: same id, signed afresh each time
  ['payment_intent.succeeded', 6], // another event type about the same PaymentIntent
  ['checkout.session.async_payment_succeeded', 6], // and a third
];
const PROCESSOR_WORKERS = 4;

t.test('20 concurrent deliveries of one paid Stripe payment make one purchase', async (t) => {
  const h = await paymentsHarness(t);
  const userId = '4001';
  const pi = stripeId('pi');
  const session = paidSession(checkoutSession({ userId, packageId: 'basic', amountTotal: 199 }), pi);
  const intent = paymentIntent({ id: pi, amount: 199, metadata: { userId, packageId: 'basic' } });
  const events = DELIVERIES.map(([type]) => stripeEvent(type, type.startsWith('payment_intent') ? intent : session));

  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/webhook/stripe`;
  // Four processors in two "processes" worth of workers, polling hard, so they race for the rows.
  const processors = [
    h.processor({ workers: PROCESSOR_WORKERS / 2, pollIntervalMs: 5 }),
    h.processor({ workers: PROCESSOR_WORKERS / 2, pollIntervalMs: 5 }),
  ];
  for (const p of processors) p.start();

  // Warm up the route and the pool (a refused delivery writes nothing) so the timing is the steady state.
  await Promise.all(
    Array.from({ length: 8 }, () =>
      fetch(url, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      }),
    ),
  );
  await Promise.all(Array.from({ length: 8 }, () => h.pool.query('SELECT 1')));

  const started = performance.now();
  const sends = DELIVERIES.flatMap(([, times], i) =>
    Array.from({ length: times }, async () => {
      const body = stripeBody(events[i]);
      const sent = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripeSignature(body, STRIPE_WEBHOOK_SECRET),
        },
      });
      return { response, ms: performance.now() - sent };
    }),
  );
  const responses = await Promise.all(sends);
  const ackMs = performance.now() - started;
  const answers = await Promise.all(
    responses.map(async ({ response, ms }) => ({
      status: response.status,
      ms,
      body: (await response.json()) as { duplicate: boolean },
    })),
  );
  const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
  t.same(new Set(answers.map((a) => a.status)), new Set([200]), 'every delivery acknowledged');

  await waitFor(
    'the inbox to be worked off',
    async () =>
      (await h.pool.query("SELECT 1 FROM payments_inbox WHERE status IN ('pending', 'processing')")).rowCount === 0,
  );
  const settledMs = performance.now() - started;
  for (const p of processors) await p.stop();

  // The read table the bot and the API read: the ledger projection, run as `npm start` runs it.
  const projectors = startProjectors({ store: h.store, pool: h.pool });
  await waitForPosition(h.pool, LEDGER_PROJECTION, await h.store.headPosition(), 10_000);
  await projectors.stop();
  const user = (
    await h.pool.query<{ credits: number; credits_reserved: number }>(
      'SELECT credits, credits_reserved FROM users WHERE id = $1',
      [userId],
    )
  ).rows[0];

  const rows = await h.inboxRows();
  const account = await h.account(userId);
  const figures = {
    deliveries: answers.length,
    distinctEvents: events.length,
    acknowledgedAsDuplicate: answers.filter((a) => a.body.duplicate).length,
    inboxRows: rows.length,
    rowOutcomes: rows.map((r) => r.outcome).sort(),
    creditsPurchasedEvents: account.purchases,
    balance: account.balance,
    usersCredits: user?.credits,
    ackAllMs: Math.round(ackMs),
    ackLatencyMsP50: Math.round(latencies[Math.floor(latencies.length / 2)]!),
    ackLatencyMsMax: Math.round(latencies.at(-1)!),
    settledMs: Math.round(settledMs),
  };
  t.comment(`duplicate-delivery figures: ${JSON.stringify(figures)}`);
  t.equal(figures.inboxRows, 3, 'one row per distinct event: retries of one event are recorded once');
  t.equal(figures.acknowledgedAsDuplicate, 17);
  // Two rows applied at the same moment carry the identical command: the store recognises the
  // second append as a retry of the first and returns its result, so both rows may call
  // themselves "purchased". The money is what is exactly-once: one CreditsPurchased, below.
  t.ok(figures.rowOutcomes.includes('purchased'), 'some row applied the purchase');
  t.ok(
    figures.rowOutcomes.every((o) => o === 'purchased' || o === 'duplicate'),
    'no row failed',
  );
  t.equal(figures.creditsPurchasedEvents, 1, 'one CreditsPurchased');
  t.equal(account.balance, 3 + 10, 'welcome grant + one package');
  t.same(user, { credits: 13, credits_reserved: 0 }, 'users.credits is right');
  t.same(
    account.events.map((e) => e.type),
    ['AccountOpened', 'CreditsGranted', 'CreditsPurchased'],
  );
});
