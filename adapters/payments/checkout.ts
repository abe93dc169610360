import type { Api } from 'grammy';
import type Stripe from 'stripe';
import { CheckoutUnavailable, type CheckoutAnswer, type CheckoutRequest } from '../../app/payments/checkout.js';
import type { Provider } from '../../core/ledger/commands.js';
import { packageById, type LedgerConfig } from '../../core/ledger/config.js';
import { createStripeCheckout } from './stripe/checkout.js';
import { starsInvoice } from '../../app/payments/stars.js';
import type { YooKassaClient } from './yookassa/client.js';
import { createYooKassaCheckout, type YooKassaReceiptSettings } from './yookassa/checkout.js';

/** The configured providers a checkout can be started with (Stars needs only the bot). */
export interface CheckoutProviders {
  ledgerConfig: LedgerConfig;
  /** PUBLIC_BASE_URL: where the providers send the user back (`/checkout/done`). */
  publicBaseUrl: string;
  stripe?: Stripe | undefined;
  yookassa?: { client: YooKassaClient; receipt?: YooKassaReceiptSettings | undefined } | undefined;
  /** For Stars invoice links (`createInvoiceLink`). */
  telegram?: Pick<Api, 'createInvoiceLink'> | undefined;
}

const returnUrl = (base: string, provider: Provider, result: 'done' | 'cancel'): string =>
  new URL(`/checkout/${result}?provider=${provider}`, base).toString();

/** Creates the payment at the provider and answers where the user pays (app/payments' StartCheckout). */
export const startCheckout = async (deps: CheckoutProviders, request: CheckoutRequest): Promise<CheckoutAnswer> => {
  const pkg = packageById(deps.ledgerConfig, request.packageId);
  switch (request.provider) {
    case 'stripe': {
      if (!deps.stripe) throw new CheckoutUnavailable('provider_off', 'Stripe is not configured');
      const session = await createStripeCheckout(deps.stripe, {
        userId: request.userId,
        package: pkg,
        attemptId: request.attemptId,
        successUrl: returnUrl(deps.publicBaseUrl, 'stripe', 'done'),
        cancelUrl: returnUrl(deps.publicBaseUrl, 'stripe', 'cancel'),
      });
      return { provider: 'stripe', url: session.url, reference: session.sessionId };
    }
    case 'yookassa': {
      if (!deps.yookassa) throw new CheckoutUnavailable('provider_off', 'YooKassa is not configured');
      if (!request.email)
        throw new CheckoutUnavailable('email_required', 'YooKassa needs an e-mail for the receipt (54-FZ)');
      const payment = await createYooKassaCheckout(deps.yookassa.client, {
        userId: request.userId,
        package: pkg,
        attemptId: request.attemptId,
        email: request.email,
        returnUrl: returnUrl(deps.publicBaseUrl, 'yookassa', 'done'),
        receipt: deps.yookassa.receipt,
      });
      return { provider: 'yookassa', url: payment.url, reference: payment.paymentId };
    }
    case 'telegram_stars': {
      if (!deps.telegram) throw new CheckoutUnavailable('provider_off', 'the Telegram bot is not configured');
      const invoice = starsInvoice(pkg, request.userId);
      const url = await deps.telegram.createInvoiceLink(
        invoice.title,
        invoice.description,
        invoice.payload,
        invoice.providerToken,
        invoice.currency,
        invoice.prices,
      );
      return { provider: 'telegram_stars', url };
    }
    default: {
      const _exhaustive: never = request.provider;
      throw new CheckoutUnavailable('provider_off', `unknown provider ${String(_exhaustive)}`);
    }
  }
};
