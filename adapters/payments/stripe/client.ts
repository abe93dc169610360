import Stripe from 'stripe';
import {
  OutcomeUnknown,
  ProviderRejected,
  ProviderUnreachable,
  errorForStatus,
  type PaymentProviderError,
} from '../../../app/payments/errors.js';

/** One Stripe call may take this long before we call its outcome unknown (the SDK default is 80 s). */
export const STRIPE_TIMEOUT_MS = 15_000;
/**
 * Retries the SDK makes on connection errors, 409 and 5xx. Safe: the SDK sends an idempotency key
 * with every POST (ours when we pass one), so a retry cannot create a second object.
 */
export const STRIPE_MAX_NETWORK_RETRIES = 2;

export interface StripeClientOptions {
  secretKey: string;
  /** `STRIPE_API_URL`: a proxy or a test server, e.g. `http://127.0.0.1:12111`. Unset: api.stripe.com. */
  apiUrl?: string | undefined;
}

/** A Stripe SDK client with our limits, optionally pointed at another host (stripe-node's host/port/protocol). */
export const createStripeClient = (options: StripeClientOptions): Stripe => {
  const config: Stripe.StripeConfig = {
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: STRIPE_TIMEOUT_MS,
    telemetry: false,
  };
  if (options.apiUrl) {
    const url = new URL(options.apiUrl);
    config.host = url.hostname;
    config.protocol = url.protocol === 'http:' ? 'http' : 'https';
    if (url.port) config.port = url.port;
  }
  return new Stripe(options.secretKey, config);
};

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Maps an error thrown by the Stripe SDK to our failure domains. */
export const stripeError = (error: unknown): PaymentProviderError | unknown => {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const details = { provider: 'stripe' as const, cause: error };
  if (error instanceof Stripe.errors.StripeConnectionError) {
    const code = (error.detail as { code?: string } | undefined)?.code;
    if (code === 'ETIMEDOUT') return new OutcomeUnknown('timeout', error.message, details);
    if (code && CONNECT_FAILURES.has(code)) return new ProviderUnreachable('connection_failed', error.message, details);
    return new OutcomeUnknown('connection_lost', error.message, details);
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    return new ProviderRejected(
      'invalid_request',
      `idempotency key reused with other parameters: ${error.message}`,
      details,
    );
  }
  if (typeof error.statusCode === 'number') return errorForStatus(error.statusCode, error.message, details);
  return new OutcomeUnknown('malformed_response', error.message, details);
};

/** Runs one SDK call and rethrows its failure as ProviderRejected / ProviderUnreachable / OutcomeUnknown. */
export const callStripe = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw stripeError(error);
  }
};
