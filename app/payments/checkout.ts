import type { PackageId, Provider } from '../../core/ledger/commands.js';

/**
 * Starting a purchase: what the client needs to pay (a redirect URL, or an invoice link for
 * Stars). Used by the checkout page and by `POST /api/v1/credits/purchase`. Nothing is credited
 * here: credits come only from the provider's confirmation (webhook or reconciler).
 */

export interface CheckoutRequest {
  userId: string;
  packageId: PackageId;
  provider: Provider;
  /** One per attempt, made by the client: a retried request does not make a second payment. */
  attemptId: string;
  /** Needed for YooKassa: the 54-FZ receipt is sent there. */
  email?: string | undefined;
}

export interface CheckoutAnswer {
  provider: Provider;
  /** Stripe Checkout or YooKassa's page, or the Stars invoice link. */
  url: string;
  /** The provider's id of what was created (session, payment); absent for Stars. */
  reference?: string;
}

/**
 * Creates the payment at the provider and answers where the user pays: a port, implemented by
 * the payments adapter over the configured providers. Throws CheckoutUnavailable, or a
 * PaymentProviderError by failure domain.
 */
export type StartCheckout = (request: CheckoutRequest) => Promise<CheckoutAnswer>;

/** The provider is not configured here, or the request lacks what it needs. */
export class CheckoutUnavailable extends Error {
  override readonly name = 'CheckoutUnavailable';
  constructor(
    readonly code: 'provider_off' | 'email_required',
    message: string,
  ) {
    super(message);
  }
}
