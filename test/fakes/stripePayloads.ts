import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * Stripe objects in the shape the API sends them (API version of stripe-node 23), trimmed of
 * fields nothing reads but keeping every field our code reads and the usual neighbours, so a
 * test fails if we read a field Stripe does not send. Sources: Stripe's API reference examples
 * for Checkout Session, PaymentIntent, Charge, Refund, Dispute and Event.
 */

export const STRIPE_API_VERSION = Stripe.API_VERSION;
// Stripe ids are alphanumeric after the prefix (base64url could put a '-' in them).
export const stripeId = (prefix: string): string =>
  `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const now = (): number => Math.floor(Date.now() / 1000);

export interface SessionInput {
  id?: string;
  userId: string | null;
  packageId: string;
  amountTotal: number;
  currency?: string;
  url?: string | null;
  successUrl?: string;
  cancelUrl?: string;
}

export const checkoutSession = (input: SessionInput): Record<string, unknown> => ({
  id: input.id ?? stripeId('cs_test'),
  object: 'checkout.session',
  adaptive_pricing: { enabled: false },
  after_expiration: null,
  allow_promotion_codes: null,
  amount_subtotal: input.amountTotal,
  amount_total: input.amountTotal,
  automatic_tax: { enabled: false, liability: null, provider: null, status: null },
  billing_address_collection: null,
  cancel_url: input.cancelUrl ?? 'https://example.com/cancel',
  client_reference_id: input.userId,
  client_secret: null,
  created: now(),
  currency: input.currency ?? 'usd',
  customer: null,
  customer_creation: 'if_required',
  customer_details: null,
  customer_email: null,
  expires_at: now() + 86_400,
  invoice: null,
  livemode: false,
  locale: null,
  metadata: input.userId ? { userId: input.userId, packageId: input.packageId } : { packageId: input.packageId },
  mode: 'payment',
  payment_intent: null,
  payment_link: null,
  payment_method_collection: 'if_required',
  payment_method_types: ['card'],
  payment_status: 'unpaid',
  status: 'open',
  submit_type: null,
  success_url: input.successUrl ?? 'https://example.com/success',
  total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
  ui_mode: 'hosted',
  url: input.url ?? null,
});

/** The session after the customer paid by card: complete, paid, with its PaymentIntent. */
export const paidSession = (
  session: Record<string, unknown>,
  paymentIntent: string,
  paymentStatus: 'paid' | 'unpaid' = 'paid',
) => ({
  ...session,
  status: 'complete',
  payment_status: paymentStatus,
  payment_intent: paymentIntent,
  customer_details: {
    address: { country: 'US', postal_code: '10001', city: null, line1: null, line2: null, state: null },
    email: 'buyer@example.com',
    name: 'Test Buyer',
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  },
  url: null,
});

export const paymentIntent = (input: {
  id: string;
  amount: number;
  currency?: string;
  metadata: Record<string, string>;
}) => ({
  id: input.id,
  object: 'payment_intent',
  amount: input.amount,
  amount_capturable: 0,
  amount_received: input.amount,
  capture_method: 'automatic_async',
  client_secret: `${input.id}_secret_${randomBytes(8).toString('hex')}`,
  confirmation_method: 'automatic',
  created: now(),
  currency: input.currency ?? 'usd',
  customer: null,
  latest_charge: input.id.replace(/^pi_/, 'ch_'),
  livemode: false,
  metadata: input.metadata,
  payment_method: stripeId('pm'),
  payment_method_types: ['card'],
  status: 'succeeded',
});

export const charge = (input: {
  paymentIntent: string;
  amount: number;
  amountRefunded?: number;
  currency?: string;
}) => ({
  id: input.paymentIntent.replace(/^pi_/, 'ch_'),
  object: 'charge',
  amount: input.amount,
  amount_captured: input.amount,
  amount_refunded: input.amountRefunded ?? 0,
  balance_transaction: stripeId('txn'),
  captured: true,
  created: now(),
  currency: input.currency ?? 'usd',
  customer: null,
  disputed: false,
  livemode: false,
  metadata: {},
  paid: true,
  payment_intent: input.paymentIntent,
  payment_method: stripeId('pm'),
  refunded: (input.amountRefunded ?? 0) >= input.amount,
  status: 'succeeded',
});

export const refund = (input: { paymentIntent: string; amount: number; status?: string; currency?: string }) => ({
  id: stripeId('re'),
  object: 'refund',
  amount: input.amount,
  balance_transaction: stripeId('txn'),
  charge: input.paymentIntent.replace(/^pi_/, 'ch_'),
  created: now(),
  currency: input.currency ?? 'usd',
  destination_details: {
    card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    type: 'card',
  },
  metadata: {},
  payment_intent: input.paymentIntent,
  reason: 'requested_by_customer',
  receipt_number: null,
  source_transfer_reversal: null,
  status: input.status ?? 'succeeded',
  transfer_reversal: null,
});

export const dispute = (input: { paymentIntent: string; amount: number; status: string; currency?: string }) => ({
  id: stripeId('du'),
  object: 'dispute',
  amount: input.amount,
  balance_transactions: [],
  charge: input.paymentIntent.replace(/^pi_/, 'ch_'),
  created: now(),
  currency: input.currency ?? 'usd',
  evidence_details: { due_by: now() + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  payment_intent: input.paymentIntent,
  reason: 'fraudulent',
  status: input.status,
});

/** An Event envelope as Stripe POSTs it to a webhook endpoint. */
export const stripeEvent = (type: string, object: Record<string, unknown>, id = stripeId('evt')) => ({
  id,
  object: 'event',
  api_version: STRIPE_API_VERSION,
  created: now(),
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
});

/** The exact bytes Stripe sends: JSON pretty-printed with two spaces (what `stripe trigger` shows). */
export const stripeBody = (event: unknown): string => JSON.stringify(event, null, 2);

/** A `Stripe-Signature` header for these bytes, as Stripe computes it (t=…,v1=HMAC-SHA256). */
export const stripeSignature = (payload: string, secret: string, timestamp?: number): string =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
