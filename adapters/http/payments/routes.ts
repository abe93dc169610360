import type { FastifyPluginAsync } from 'fastify';
import type { DeliveryRecorder } from '../../../app/payments/inbox.js';
import type { VerifyStripeDelivery, YooKassaDeliveryCheck } from '../../../app/payments/webhookChecks.js';
import { registerCheckoutRoutes, type CheckoutRoutesOptions } from './checkoutRoutes.js';
import { registerWebhookRoutes } from './webhookRoutes.js';

export interface PaymentRoutesOptions {
  /** Where deliveries are written down before they are acknowledged. */
  inbox: DeliveryRecorder;
  /** With STRIPE_WEBHOOK_SECRET: `POST /webhook/stripe`, checked with this. */
  stripe?: VerifyStripeDelivery | undefined;
  /** With YooKassa configured: `POST /webhook/yookassa`, from its addresses only. */
  yookassa?: YooKassaDeliveryCheck | undefined;
  /** With the bot token and PUBLIC_BASE_URL: the checkout page and `POST /checkout/session`. */
  checkout?: CheckoutRoutesOptions | undefined;
  /** The processor's `wake`, so a recorded delivery is applied at once. */
  onRecorded?: (() => void) | undefined;
}

/**
 * The payments routes, as one Fastify plugin for `buildHttpServer({ plugins })`. Each part is
 * there only when its provider is configured: a feature without its secrets is off, never
 * half-on.
 */
export const paymentRoutes =
  (options: PaymentRoutesOptions): FastifyPluginAsync =>
  async (app) => {
    await registerWebhookRoutes(app, {
      inbox: options.inbox,
      stripe: options.stripe,
      yookassa: options.yookassa,
      onRecorded: options.onRecorded,
    });
    if (options.checkout) registerCheckoutRoutes(app, options.checkout);
  };
