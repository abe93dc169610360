import t from 'tap';
import { defaultLedgerConfig, packageById } from '../../../core/ledger/config.js';
import { startFakeStripe } from '../../../test/fakes/stripeServer.js';
import { OutcomeUnknown, ProviderRejected, ProviderUnreachable } from '../../../app/payments/errors.js';
import { createStripeCheckout, stripeCheckoutIdempotencyKey } from './checkout.js';
import { createStripeClient } from './client.js';

const premium = packageById(defaultLedgerConfig, 'premium');
const request = {
  userId: '42',
  package: premium,
  attemptId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  successUrl: 'https://modera.test/checkout/done',
  cancelUrl: 'https://modera.test/checkout/cancel',
};

t.test('the real SDK, pointed at a local Stripe: session with our ids and our idempotency key', async (t) => {
  const fake = await startFakeStripe();
  t.teardown(fake.close);
  const stripe = createStripeClient({ secretKey: fake.secretKey, apiUrl: fake.url });
  const first = await createStripeCheckout(stripe, request);
  const again = await createStripeCheckout(stripe, request);
  t.equal(again.sessionId, first.sessionId, 'a retried attempt gets the same session');
  t.equal(fake.sessions.size, 1);
  t.match(first.url, new RegExp(`^${fake.url}/pay/cs_test_`));
  const sent = fake.requests.filter((r) => r.method === 'POST');
  t.equal(sent[0]!.headers['idempotency-key'], stripeCheckoutIdempotencyKey(request));
  t.match(sent[0]!.form, {
    mode: 'payment',
    client_reference_id: '42',
    metadata: { packageId: 'premium', userId: '42' },
    payment_intent_data: { metadata: { packageId: 'premium', userId: '42' } },
    line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: String(premium.prices.USD) } }],
    adaptive_pricing: { enabled: 'false' },
  });
  const other = await createStripeCheckout(stripe, { ...request, attemptId: '2b4e28ba-2fa1-11d2-883f-0016d3cca427' });
  t.not(other.sessionId, first.sessionId, 'a new attempt is a new session');
});

t.test('failures come back in their failure domain', async (t) => {
  const fake = await startFakeStripe();
  t.teardown(fake.close);
  const wrongKey = createStripeClient({ secretKey: 'sk_test_wrong', apiUrl: fake.url });
  await t.rejects(createStripeCheckout(wrongKey, request), ProviderRejected);
  const stripe = createStripeClient({ secretKey: fake.secretKey, apiUrl: fake.url });
  await t.rejects(
    createStripeCheckout(stripe, { ...request, userId: '43' }).then(() =>
      createStripeCheckout(stripe, { ...request, userId: '43', successUrl: 'https://other' }),
    ),
    ProviderRejected,
    'same key, other params',
  );
  // 500 three times: the SDK retries (same key) and gives up.
  for (let i = 0; i < 3; i++) fake.failNextCreate(500);
  await t.rejects(
    createStripeCheckout(stripe, { ...request, attemptId: '3b4e28ba-2fa1-11d2-883f-0016d3cca427' }),
    ProviderUnreachable,
  );
  const closed = createStripeClient({ secretKey: fake.secretKey, apiUrl: 'http://127.0.0.1:1' });
  await t.rejects(createStripeCheckout(closed, request), ProviderUnreachable);
  t.ok(OutcomeUnknown);
});
