import type { FastifyPluginAsync } from 'fastify';
import type { LoopServices } from '../app/loop/index.js';
import type { Logger } from '../projections/logger.js';
import { Api } from 'grammy';
import type pg from 'pg';
import type Stripe from 'stripe';
import type { LedgerConfig } from '../core/ledger/config.js';
import type { LedgerHandler } from '../app/payments/apply.js';
import { createInterpreter } from '../app/payments/interpret.js';
import { paymentInboxReaders } from '../adapters/payments/inboxReaders.js';
import { paidPaymentSources } from '../adapters/payments/paidPayments.js';
import {
  createPaymentsProcessor,
  type PaymentsProcessor,
  type PaymentsProcessorOptions,
} from '../app/payments/processor.js';
import {
  reconcilePayments,
  startReconciler,
  type ReconcilerSchedule,
  type Reconciliation,
} from '../app/payments/reconciler.js';
import { paymentRoutes } from '../adapters/http/payments/routes.js';
import { createStripeClient } from '../adapters/payments/stripe/client.js';
import { createYooKassaClient, type YooKassaClient } from '../adapters/payments/yookassa/client.js';
import { ipAllowlist, YOOKASSA_PUBLISHED_RANGES } from '../adapters/payments/yookassa/ipAllowlist.js';
import { stripeDeliveryCheck, yookassaDeliveryCheck } from '../adapters/payments/webhookChecks.js';
import { startCheckout, type CheckoutProviders } from '../adapters/payments/checkout.js';
import type { StartCheckout } from '../app/payments/checkout.js';
import { postgresPaymentInbox } from '../adapters/postgres/paymentsInbox.js';
import { postgresPurchaseIndex } from '../adapters/postgres/paymentPurchases.js';
import type { PaymentInbox } from '../app/payments/inbox.js';
import type { PurchaseIndex } from '../app/payments/purchases.js';
import type { YooKassaReceiptSettings } from '../adapters/payments/yookassa/checkout.js';

/**
 * The environment variables payments read (named in README's configuration table, validated by
 * scripts/config.ts).
 */
export interface PaymentsEnv {
  STRIPE_SECRET_KEY?: string | undefined;
  STRIPE_WEBHOOK_SECRET?: string | undefined;
  STRIPE_API_URL?: string | undefined;
  YOOKASSA_SHOP_ID?: string | undefined;
  YOOKASSA_SECRET_KEY?: string | undefined;
  YOOKASSA_API_URL?: string | undefined;
  YOOKASSA_WEBHOOK_ALLOWED_IPS?: string[] | undefined;
  TELEGRAM_BOT_TOKEN?: string | undefined;
  TELEGRAM_API_ROOT?: string | undefined;
  PUBLIC_BASE_URL?: string | undefined;
}

export interface PaymentsSetupOptions {
  env: PaymentsEnv;
  pool: pg.Pool;
  ledger: LedgerHandler;
  ledgerConfig: LedgerConfig;
  logger?: Logger;
  /** The bot's @username for the login widget; default: asked from Telegram (getMe) on first use. */
  botUsername?: string;
  receipt?: YooKassaReceiptSettings;
  processor?: Partial<Omit<PaymentsProcessorOptions, 'inbox' | 'purchases' | 'ledger' | 'ledgerConfig' | 'interpret'>>;
  /** The lease store, metrics and health every background loop runs with. */
  loops?: LoopServices;
}

export interface Payments {
  stripe?: Stripe | undefined;
  yookassa?: YooKassaClient | undefined;
  telegram?: Api | undefined;
  /** The inbox and the purchase index, in this database. */
  inbox: PaymentInbox;
  purchases: PurchaseIndex;
  /** What each part is: on, or off and why (for /health and the start log). */
  features: Array<{ name: string; enabled: boolean; reason?: string }>;
  processor: PaymentsProcessor;
  /** The Fastify plugin with every enabled route (webhooks, checkout page). */
  routes: FastifyPluginAsync;
  /** Starts a payment at a configured provider: for `POST /api/v1/credits/purchase` and the checkout page. */
  checkout: StartCheckout;
  reconcile(options?: { since?: Date }): Promise<Reconciliation>;
  startReconciler(intervalMs?: number): ReconcilerSchedule;
}

const off = (name: string, reason: string) => ({ name, enabled: false, reason });
const on = (name: string) => ({ name, enabled: true });

/** The clients of the providers whose secrets are set. */
const providerClients = (
  env: PaymentsEnv,
): { stripe: Stripe | undefined; yookassa: YooKassaClient | undefined; telegram: Api | undefined } => {
  const stripe = env.STRIPE_SECRET_KEY
    ? createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiUrl: env.STRIPE_API_URL })
    : undefined;
  const yookassa =
    env.YOOKASSA_SHOP_ID && env.YOOKASSA_SECRET_KEY
      ? createYooKassaClient({
          shopId: env.YOOKASSA_SHOP_ID,
          secretKey: env.YOOKASSA_SECRET_KEY,
          apiUrl: env.YOOKASSA_API_URL,
        })
      : undefined;
  const telegram = env.TELEGRAM_BOT_TOKEN
    ? new Api(env.TELEGRAM_BOT_TOKEN, { apiRoot: env.TELEGRAM_API_ROOT ?? 'https://api.telegram.org' })
    : undefined;
  return { stripe, yookassa, telegram };
};

/** What each part is: on, or off and why. */
const paymentFeatures = (
  env: PaymentsEnv,
  clients: Pick<Payments, 'stripe' | 'yookassa' | 'telegram'>,
  checkoutOn: boolean,
): Payments['features'] => {
  const { stripe, yookassa, telegram } = clients;
  return [
    stripe && env.STRIPE_WEBHOOK_SECRET
      ? on('payments_stripe')
      : off('payments_stripe', 'set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET'),
    yookassa ? on('payments_yookassa') : off('payments_yookassa', 'set YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY'),
    telegram ? on('payments_stars') : off('payments_stars', 'set TELEGRAM_BOT_TOKEN'),
    checkoutOn
      ? on('payments_checkout_page')
      : off('payments_checkout_page', 'set TELEGRAM_BOT_TOKEN, PUBLIC_BASE_URL and Stripe or YooKassa'),
  ];
};

/**
 * Builds the payments side from the configuration: the provider clients whose secrets are set,
 * the inbox processor, the routes and the reconciler. A provider without its secrets is off:
 * its webhook route is absent and the checkout page does not offer it.
 */
export const setupPayments = (options: PaymentsSetupOptions): Payments => {
  const { env, pool } = options;
  const inbox = postgresPaymentInbox(pool);
  const purchases = postgresPurchaseIndex(pool);
  const { stripe, yookassa, telegram } = providerClients(env);
  const checkoutOn =
    telegram !== undefined && env.PUBLIC_BASE_URL !== undefined && (stripe !== undefined || yookassa !== undefined);
  const providers: CheckoutProviders = {
    ledgerConfig: options.ledgerConfig,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? 'http://localhost',
    stripe,
    yookassa: yookassa && { client: yookassa, receipt: options.receipt },
    telegram,
  };
  const checkout: StartCheckout = (request) => startCheckout(providers, request);
  const processor = createPaymentsProcessor({
    inbox,
    purchases,
    ledger: options.ledger,
    ledgerConfig: options.ledgerConfig,
    interpret: createInterpreter(paymentInboxReaders({ yookassa })),
    ...(options.logger ? { logger: options.logger } : {}),
    loops: options.loops,
    ...options.processor,
  });
  const routes = paymentRoutes({
    inbox,
    stripe: stripe && env.STRIPE_WEBHOOK_SECRET ? stripeDeliveryCheck(env.STRIPE_WEBHOOK_SECRET) : undefined,
    yookassa: yookassa
      ? yookassaDeliveryCheck(ipAllowlist(env.YOOKASSA_WEBHOOK_ALLOWED_IPS ?? YOOKASSA_PUBLISHED_RANGES))
      : undefined,
    checkout: checkoutOn
      ? {
          startCheckout: checkout,
          packages: options.ledgerConfig.packages,
          stripe: stripe !== undefined,
          yookassa: yookassa !== undefined,
          botToken: env.TELEGRAM_BOT_TOKEN!,
          botUsername: options.botUsername ?? (async () => (await telegram!.getMe()).username),
        }
      : undefined,
    onRecorded: processor.wake,
  });
  const sources = paidPaymentSources({ stripe, yookassa, telegram });
  return {
    stripe,
    yookassa,
    telegram,
    inbox,
    purchases,
    processor,
    routes,
    checkout,
    features: paymentFeatures(env, { stripe, yookassa, telegram }, checkoutOn),
    reconcile: (reconcileOptions = {}) => reconcilePayments({ inbox, purchases }, sources, reconcileOptions),
    startReconciler: (intervalMs) =>
      startReconciler({ inbox, purchases }, sources, {
        ...(intervalMs === undefined ? {} : { intervalMs }),
        loops: options.loops,
        onRun: (result) => {
          processor.wake();
          options.logger?.info({ reconciliation: result }, 'payments reconciled');
        },
        onError: (error) => options.logger?.error({ err: error }, 'payments reconciliation failed'),
      }),
  };
};
