import t from 'tap';
import type Stripe from 'stripe';
import {
  charge,
  checkoutSession,
  dispute,
  paidSession,
  paymentIntent,
  refund,
  stripeBody,
  stripeEvent,
  stripeSignature,
} from '../../../test/fakes/stripePayloads.js';
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS, stripeFact, verifyStripeWebhook } from './webhook.js';

const SECRET = 'whsec_test_0123456789abcdef';
const PI = 'pi_3Test000000000000000001';
const session = paidSession(checkoutSession({ userId: '42', packageId: 'basic', amountTotal: 199 }), PI);
const asEvent = (type: string, object: Record<string, unknown>) => stripeEvent(type, object) as unknown as Stripe.Event;

t.test('verification: the exact bytes with a fresh signature pass; anything else fails', async (t) => {
  const body = stripeBody(stripeEvent('checkout.session.completed', session));
  const good = verifyStripeWebhook(Buffer.from(body), stripeSignature(body, SECRET), SECRET);
  t.ok(good.ok);
  const cases: Array<[string, Buffer, string | undefined, number?]> = [
    ['wrong secret', Buffer.from(body), stripeSignature(body, 'whsec_other')],
    ['no header', Buffer.from(body), undefined],
    ['re-serialised body', Buffer.from(JSON.stringify(JSON.parse(body))), stripeSignature(body, SECRET)],
    [
      'one byte changed',
      Buffer.from(body.replace('"amount_total": 199', '"amount_total": 999')),
      stripeSignature(body, SECRET),
    ],
    [
      'expired signature',
      Buffer.from(body),
      stripeSignature(body, SECRET, Math.floor(Date.now() / 1000) - STRIPE_SIGNATURE_TOLERANCE_SECONDS - 5),
    ],
    ['garbage header', Buffer.from(body), 't=abc,v1=zzz'],
  ];
  for (const [name, raw, header] of cases) t.notOk(verifyStripeWebhook(raw, header, SECRET).ok, name);
});

t.test('facts: every event type that reports the payment gives the same purchase', async (t) => {
  const expected = {
    kind: 'purchase',
    provider: 'stripe',
    paymentId: PI,
    userId: '42',
    packageId: 'basic',
    amountMinor: 199,
    currency: 'USD',
  };
  t.match(stripeFact(asEvent('checkout.session.completed', session)), expected);
  t.match(stripeFact(asEvent('checkout.session.async_payment_succeeded', session)), expected);
  t.match(
    stripeFact(
      asEvent(
        'payment_intent.succeeded',
        paymentIntent({ id: PI, amount: 199, metadata: { userId: '42', packageId: 'basic' } }),
      ),
    ),
    expected,
  );
});

t.test('facts: edge cases, one per row', async (t) => {
  const rows: Array<[string, Stripe.Event, Record<string, unknown>]> = [
    [
      'completed but unpaid (async method)',
      asEvent('checkout.session.completed', paidSession(session, PI, 'unpaid')),
      { kind: 'ignored' },
    ],
    [
      'no client_reference_id falls back to metadata.userId',
      asEvent('checkout.session.completed', { ...session, client_reference_id: null }),
      { kind: 'purchase', userId: '42' },
    ],
    [
      'no metadata at all: not ours',
      asEvent('checkout.session.completed', { ...session, client_reference_id: null, metadata: {} }),
      { kind: 'rejected' },
    ],
    [
      'unknown package',
      asEvent('checkout.session.completed', { ...session, metadata: { packageId: 'gold' } }),
      { kind: 'rejected' },
    ],
    [
      'currency we do not keep',
      asEvent('checkout.session.completed', { ...session, currency: 'eur' }),
      { kind: 'rejected' },
    ],
    [
      'payment intent without our metadata',
      asEvent('payment_intent.succeeded', paymentIntent({ id: PI, amount: 199, metadata: {} })),
      { kind: 'ignored' },
    ],
    [
      'charge.refunded: cumulative amount',
      asEvent('charge.refunded', charge({ paymentIntent: PI, amount: 199, amountRefunded: 199 })),
      { kind: 'refund', paymentId: PI, refundKind: 'refund', amountMinor: 199 },
    ],
    [
      'refund.created succeeded',
      asEvent('refund.created', refund({ paymentIntent: PI, amount: 100 })),
      { kind: 'refund', amountMinor: 100 },
    ],
    [
      'refund.updated failed',
      asEvent('refund.updated', refund({ paymentIntent: PI, amount: 100, status: 'failed' })),
      { kind: 'ignored' },
    ],
    [
      'dispute lost',
      asEvent('charge.dispute.closed', dispute({ paymentIntent: PI, amount: 199, status: 'lost' })),
      { kind: 'refund', refundKind: 'chargeback', amountMinor: 199 },
    ],
    [
      'dispute won',
      asEvent('charge.dispute.closed', dispute({ paymentIntent: PI, amount: 199, status: 'won' })),
      { kind: 'ignored' },
    ],
    [
      'dispute opened',
      asEvent('charge.dispute.created', dispute({ paymentIntent: PI, amount: 199, status: 'needs_response' })),
      { kind: 'ignored' },
    ],
    ['other event types', asEvent('customer.created', { id: 'cus_1', object: 'customer' }), { kind: 'ignored' }],
  ];
  for (const [name, event, expected] of rows) t.match(stripeFact(event), expected, name);
});
