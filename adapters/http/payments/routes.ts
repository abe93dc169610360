import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { registerCheckoutRoutes, type CheckoutRoutesOptions } from './checkoutRoutes.js';
import type { IpAllowlist } from '../../payments/yookassa/ipAllowlist.js';
import { registerWebhookRoutes } from './webhookRoutes.js';

export interface PaymentRoutesOptions {
  pool: pg.Pool;
  /** With STRIPE_WEBHOOK_SECRET: `POST /webhook/stripe`. */
  stripeWebhookSecret?: string | undefined;
  /** With YooKassa configured: `POST /webhook/yookassa`, from these addresses only. */
  yookassaAllowlist?: IpAllowlist | undefined;
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
export const paymentRoutes = (options: PaymentRoutesOptions): FastifyPluginAsync => async (app) => {
  await registerWebhookRoutes(app, {
    pool: options.pool,
    stripe: options.stripeWebhookSecret ? { webhookSecret: options.stripeWebhookSecret } : undefined,
    yookassa: options.yookassaAllowlist ? { allowlist: options.yookassaAllowlist } : undefined,
    onRecorded: options.onRecorded,
  });
  if (options.checkout) registerCheckoutRoutes(app, options.checkout);
};
