import { randomUUID } from 'node:crypto';
import { deterministicUuid } from '../../../core/eventstore/index.js';
import {
  packageById,
  type Currency,
  type LedgerConfig,
  type PackageId,
  type Provider,
} from '../../../core/ledger/index.js';
import { PAYMENT_ERROR_CODES, PaymentProviderError } from '../../../app/payments/errors.js';
import { HttpError, PROVIDER_FAILURE_CODES } from '../errors.js';

/**
 * Starting a payment from the service API: the payments module creates it at the provider and
 * answers where the user pays. Nothing is credited here; credits come from the provider's
 * confirmation (webhook, Stars successful_payment, reconciler).
 */

export interface PurchaseRequest {
  userId: string;
  packageId: PackageId;
  provider: Provider;
  /** One per attempt: a retried request (same Idempotency-Key) does not make a second payment. */
  attemptId: string;
  email?: string | undefined;
}

/** The payments module's `startCheckout`, bound to its providers. */
export type StartPurchase = (
  request: PurchaseRequest,
) => Promise<{ provider: Provider; url: string; reference?: string }>;

/** The one currency each provider takes (Stars only XTR; cards through Stripe in USD, YooKassa in RUB). */
export const PROVIDER_CURRENCY: Record<Provider, Currency> = { stripe: 'USD', yookassa: 'RUB', telegram_stars: 'XTR' };

/** The attempt id: from the client's Idempotency-Key when it sent one, so a retry reuses the payment. */
export const attemptIdOf = (key: string | undefined): string =>
  key ? deterministicUuid('api-purchase', key) : randomUUID();

const mapProviderError = (error: unknown): unknown => {
  if (error instanceof PaymentProviderError) {
    const code = PROVIDER_FAILURE_CODES[PAYMENT_ERROR_CODES[error.code].domain];
    return new HttpError(code, `${error.provider}: ${error.message}`, { rejection: error.code });
  }
  // The payments module's CheckoutUnavailable: a provider that is off, or YooKassa without an e-mail.
  const unavailable = error as { name?: string; code?: string; message?: string };
  if (unavailable.name === 'CheckoutUnavailable') {
    return unavailable.code === 'email_required'
      ? new HttpError('invalid_request', unavailable.message ?? 'an e-mail is required')
      : new HttpError('feature_off', unavailable.message ?? 'the provider is off');
  }
  return error;
};

export const startPayment = async (
  start: StartPurchase | undefined,
  config: LedgerConfig,
  request: PurchaseRequest,
) => {
  if (!start)
    throw new HttpError('feature_off', `payments through ${request.provider} are not configured on this server`);
  const pkg = packageById(config, request.packageId);
  const currency = PROVIDER_CURRENCY[request.provider];
  try {
    const answer = await start(request);
    return {
      userId: request.userId,
      packageId: pkg.id,
      credits: pkg.credits,
      amountMinor: pkg.prices[currency],
      currency,
      provider: answer.provider,
      paymentUrl: answer.url,
      ...(answer.reference ? { reference: answer.reference } : {}),
    };
  } catch (error) {
    throw mapProviderError(error);
  }
};
