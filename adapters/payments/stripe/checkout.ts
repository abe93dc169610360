import type Stripe from 'stripe';
import type { CreditPackage } from '../../../core/ledger/config.js';
import { OutcomeUnknown } from '../../../app/payments/errors.js';
import { callStripe } from './client.js';

export interface StripeCheckoutRequest {
  /** Telegram user id, decimal. */
  userId: string;
  package: CreditPackage;
  /**
   * Made once per checkout attempt by the caller (the page makes one per load). It makes the
   * idempotency key: a double click or a retried request gets the same session, not a second one.
   */
  attemptId: string;
  successUrl: string;
  cancelUrl: string;
}

export interface StripeCheckout {
  sessionId: string;
  /** Where to send the user: Stripe's hosted payment page. */
  url: string;
}

/** Our stable idempotency key for one checkout attempt (Stripe keeps keys for 24 hours). */
export const stripeCheckoutIdempotencyKey = (
  request: Pick<StripeCheckoutRequest, 'userId' | 'package' | 'attemptId'>,
): string => `modera-checkout-${request.userId}-${request.package.id}-${request.attemptId}`;

/**
 * Creates a Checkout Session for one package in USD. The session carries `client_reference_id` =
 * userId and `metadata.packageId` (a fixed contract); the PaymentIntent carries both too, so every event
 * about the payment (payment_intent.*, charge.*) names the user without another lookup.
 */
export const createStripeCheckout = async (stripe: Stripe, request: StripeCheckoutRequest): Promise<StripeCheckout> => {
  const { userId, package: pkg } = request;
  const metadata = { userId, packageId: pkg.id };
  const session = await callStripe(() =>
    stripe.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: userId,
        metadata,
        payment_intent_data: { metadata },
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: 'usd',
              unit_amount: pkg.prices.USD,
              product_data: { name: `Modera: ${pkg.credits} credits (${pkg.id})` },
            },
          },
        ],
        // Credits are priced per currency by finance: Stripe must not convert the price.
        adaptive_pricing: { enabled: false },
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
      },
      { idempotencyKey: stripeCheckoutIdempotencyKey(request) },
    ),
  );
  if (!session.url) {
    throw new OutcomeUnknown('malformed_response', `checkout session ${session.id} has no url`, { provider: 'stripe' });
  }
  return { sessionId: session.id, url: session.url };
};
