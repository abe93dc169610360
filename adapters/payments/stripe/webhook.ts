import Stripe from 'stripe';
import { PACKAGE_IDS, type PackageId } from '../../../core/ledger/commands.js';
import { ignored, isoFromUnix, rejected, type PaymentFact } from '../../../app/payments/facts.js';
import { ledgerCurrency } from '../../../app/payments/money.js';
import { isTelegramUserId } from '../../../core/ids/index.js';

/**
 * How old a Stripe signature may be. Stripe's own default: a captured delivery replayed later is
 * refused. (Stripe retries sign each attempt afresh, so a legitimate retry is never too old.)
 */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

export type StripeVerification = { ok: true; event: Stripe.Event } | { ok: false; reason: string };

/**
 * Checks the `Stripe-Signature` header against the raw request bytes, with the timestamp
 * tolerance, against replayed deliveries. The bytes must be exactly what Stripe sent: a body parsed and
 * serialised again fails, and must.
 */
export const verifyStripeWebhook = (
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
  nowSeconds?: number,
): StripeVerification => {
  if (!signature) return { ok: false, reason: 'missing Stripe-Signature header' };
  try {
    const event = Stripe.webhooks.constructEvent(
      rawBody,
      signature,
      secret,
      STRIPE_SIGNATURE_TOLERANCE_SECONDS,
      undefined,
      nowSeconds,
    );
    return { ok: true, event };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
};

const packageIdOf = (value: unknown): PackageId | undefined => PACKAGE_IDS.find((id) => id === value);
const idOf = (value: string | { id: string } | null | undefined): string | undefined =>
  typeof value === 'string' ? value : value?.id;

const purchaseFrom = (
  source: string,
  fields: {
    paymentId?: string | undefined;
    userId?: string | null | undefined;
    packageId?: unknown;
    amountMinor: number | null;
    currency: string | null;
  },
  created: number,
): PaymentFact => {
  const packageId = packageIdOf(fields.packageId);
  const currency = ledgerCurrency(fields.currency);
  if (!fields.paymentId) return rejected(`${source}: no payment_intent`);
  if (!fields.userId || !packageId) return rejected(`${source}: no userId/packageId: not a Modera checkout`);
  // Recorded as rejected with this reason (the inbox keeps it, the metric counts it), never applied.
  if (!isTelegramUserId(fields.userId))
    return rejected(`${source}: client_reference_id ${JSON.stringify(fields.userId)} is not a Telegram user id`);
  if (!currency || fields.amountMinor === null)
    return rejected(`${source}: amount or currency unusable (${fields.currency})`);
  return {
    kind: 'purchase',
    provider: 'stripe',
    paymentId: fields.paymentId,
    userId: fields.userId,
    packageId,
    amountMinor: fields.amountMinor,
    currency,
    occurredAt: isoFromUnix(created),
  };
};

/** A Checkout Session as a purchase: only when paid (from a webhook event or the API's list). */
export const stripeSessionFact = (
  session: Stripe.Checkout.Session,
  source: string,
  created = session.created,
): PaymentFact => {
  if (session.mode !== 'payment') return ignored(`checkout session in ${session.mode} mode`);
  // completed with an async method (bank debit) is not paid yet: async_payment_succeeded follows.
  if (session.payment_status !== 'paid') return ignored(`checkout session ${session.payment_status}`);
  return purchaseFrom(
    source,
    {
      paymentId: idOf(session.payment_intent),
      userId: session.client_reference_id ?? session.metadata?.userId,
      packageId: session.metadata?.packageId,
      amountMinor: session.amount_total,
      currency: session.currency,
    },
    created,
  );
};

const refund = (
  paymentId: string | undefined,
  refundKind: 'refund' | 'chargeback',
  amountMinor: number,
  created: number,
  source: string,
): PaymentFact =>
  paymentId
    ? { kind: 'refund', provider: 'stripe', paymentId, refundKind, amountMinor, occurredAt: isoFromUnix(created) }
    : ignored(`${source} without a payment_intent: not a Checkout payment`);

/**
 * What a verified Stripe event means for the ledger. Several event types report the same payment
 * (checkout.session.completed, checkout.session.async_payment_succeeded, payment_intent.succeeded);
 * all of them yield the same purchase, keyed by the PaymentIntent id.
 */
export const stripeFact = (event: Stripe.Event): PaymentFact => {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return stripeSessionFact(event.data.object, event.type, event.created);
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      if (!intent.metadata?.userId) return ignored('payment intent without our metadata');
      return purchaseFrom(
        event.type,
        {
          paymentId: intent.id,
          userId: intent.metadata.userId,
          packageId: intent.metadata.packageId,
          amountMinor: intent.amount_received,
          currency: intent.currency,
        },
        event.created,
      );
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      if (charge.amount_refunded <= 0) return ignored('charge.refunded with nothing refunded');
      return refund(idOf(charge.payment_intent), 'refund', charge.amount_refunded, event.created, event.type);
    }
    case 'refund.created':
    case 'refund.updated': {
      const object = event.data.object;
      // A refund that failed or was canceled returned no money; pending ones are clawed back at
      // once, like charge.refunded does, since the user cannot spend what is being returned.
      if (object.status !== 'succeeded' && object.status !== 'pending') return ignored(`refund ${object.status}`);
      return refund(idOf(object.payment_intent), 'refund', object.amount, event.created, event.type);
    }
    case 'charge.dispute.created':
    case 'charge.dispute.updated':
    case 'charge.dispute.closed':
    case 'charge.dispute.funds_withdrawn': {
      const dispute = event.data.object;
      if (dispute.status !== 'lost') return ignored(`dispute ${dispute.status}`);
      return refund(idOf(dispute.payment_intent), 'chargeback', dispute.amount, event.created, event.type);
    }
    default:
      return ignored(`event type ${event.type} is not handled`);
  }
};
