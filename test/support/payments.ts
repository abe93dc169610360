import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { pino } from 'pino';
import { buildHttpServer } from '../../adapters/http/server.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import type { LedgerHandler } from '../../app/payments/apply.js';
import { createInterpreter } from '../../app/payments/interpret.js';
import { paymentInboxReaders } from '../../adapters/payments/inboxReaders.js';
import {
  createPaymentsProcessor,
  type PaymentsProcessor,
  type PaymentsProcessorOptions,
} from '../../app/payments/processor.js';
import { paymentRoutes, type PaymentRoutesOptions } from '../../adapters/http/payments/routes.js';
import { createStripeClient } from '../../adapters/payments/stripe/client.js';
import { createYooKassaClient, type YooKassaClient } from '../../adapters/payments/yookassa/client.js';
import { startCheckout } from '../../adapters/payments/checkout.js';
import { stripeDeliveryCheck, yookassaDeliveryCheck } from '../../adapters/payments/webhookChecks.js';
import { postgresPaymentInbox } from '../../adapters/postgres/paymentsInbox.js';
import { postgresPurchaseIndex } from '../../adapters/postgres/paymentPurchases.js';
import type { PaymentInbox } from '../../app/payments/inbox.js';
import type { PurchaseIndex } from '../../app/payments/purchases.js';
import { ipAllowlist } from '../../adapters/payments/yookassa/ipAllowlist.js';
import { createCommandHandler } from '../../core/eventstore/commandHandler.js';
import {
  accountDecider,
  accountStream,
  defaultLedgerConfig,
  foldAccount,
  summaryOf,
  type AccountEvent,
} from '../../core/ledger/index.js';
import { stripeBody, stripeSignature } from '../fakes/stripePayloads.js';
import { startFakeStripe, type FakeStripe } from '../fakes/stripeServer.js';
import { startFakeYooKassa, type FakeYooKassa } from '../fakes/yookassaServer.js';
import { testDatabase } from './database.js';

type Test = Parameters<typeof testDatabase>[0];

export const STRIPE_WEBHOOK_SECRET = 'whsec_test_modera_0123456789';
export const BOT_TOKEN = '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11';
/** The address YooKassa notifications come from in tests (inside its published 185.71.76.0/27). */
export const YOOKASSA_IP = '185.71.76.7';

export interface PaymentsHarness {
  pool: pg.Pool;
  url: string;
  /** The inbox and the purchase index in this database (adapters/postgres). */
  inbox: PaymentInbox;
  purchases: PurchaseIndex;
  store: PostgresEventStore;
  ledger: LedgerHandler;
  stripeFake: FakeStripe;
  yookassaFake: FakeYooKassa;
  yookassa: YooKassaClient;
  app: FastifyInstance;
  processor(options?: Partial<PaymentsProcessorOptions>): PaymentsProcessor;
  /** The account's events and its state folded from them (the ledger's truth). */
  account(
    userId: string,
  ): Promise<{ events: AccountEvent[]; balance: number; inDebt: boolean; purchases: number; refunds: number }>;
  inboxRows(): Promise<
    Array<{
      id: number;
      provider: string;
      delivery_id: string;
      status: string;
      attempts: number;
      outcome: string | null;
      last_error: string | null;
    }>
  >;
}

/**
 * Everything the payments tests need, real where it can be: a fresh migrated PostgreSQL, the
 * PostgreSQL event store, the ledger's command handler, the real SDKs pointed at local Stripe
 * and YooKassa servers, and the HTTP server with the payments routes (not listening: inject).
 */
export const paymentsHarness = async (
  t: Test,
  routes: Partial<PaymentRoutesOptions> = {},
): Promise<PaymentsHarness> => {
  const { pool, url } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  const stripeFake = await startFakeStripe();
  const yookassaFake = await startFakeYooKassa();
  t.teardown(async () => {
    await store.close();
    await stripeFake.close();
    await yookassaFake.close();
  });
  const inbox = postgresPaymentInbox(pool);
  const purchases = postgresPurchaseIndex(pool);
  const ledger = createCommandHandler(accountDecider(defaultLedgerConfig), { store });
  const yookassa = createYooKassaClient({
    shopId: yookassaFake.shopId,
    secretKey: yookassaFake.secretKey,
    apiUrl: yookassaFake.url,
  });
  const stripe = createStripeClient({ secretKey: stripeFake.secretKey, apiUrl: stripeFake.url });
  const app = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    health: async () => ({ status: 'ok', version: 'test', uptimeSeconds: 0, dependencies: {}, projections: [] }),
    plugins: [
      paymentRoutes({
        inbox,
        stripe: stripeDeliveryCheck(STRIPE_WEBHOOK_SECRET),
        yookassa: yookassaDeliveryCheck(ipAllowlist()),
        checkout: {
          startCheckout: (request) =>
            startCheckout(
              {
                ledgerConfig: defaultLedgerConfig,
                publicBaseUrl: 'http://modera.test',
                stripe,
                yookassa: { client: yookassa },
              },
              request,
            ),
          packages: defaultLedgerConfig.packages,
          stripe: true,
          yookassa: true,
          botToken: BOT_TOKEN,
          botUsername: 'modera_test_bot',
        },
        ...routes,
      }),
    ],
  });
  t.teardown(() => app.close());
  return {
    pool,
    url,
    inbox,
    purchases,
    store,
    ledger,
    stripeFake,
    yookassaFake,
    yookassa,
    app,
    processor: (options = {}) =>
      createPaymentsProcessor({
        inbox,
        purchases,
        ledger,
        ledgerConfig: defaultLedgerConfig,
        interpret: createInterpreter(paymentInboxReaders({ yookassa })),
        backoffMs: () => 0,
        ...options,
      }),
    account: async (userId) => {
      const recorded = await store.readStream(accountStream(userId));
      const events = recorded.map((e) => ({ type: e.type, data: e.data }) as AccountEvent);
      const summary = summaryOf(foldAccount(events).core);
      return {
        events,
        balance: summary.balance,
        inDebt: summary.inDebt,
        purchases: events.filter((e) => e.type === 'CreditsPurchased').length,
        refunds: events.filter((e) => e.type === 'PurchaseRefunded').length,
      };
    },
    inboxRows: async () =>
      (
        await pool.query(
          'SELECT id, provider, delivery_id, status, attempts, outcome, last_error FROM payments_inbox ORDER BY id',
        )
      ).rows,
  };
};

/** POSTs an event to /webhook/stripe the way Stripe does: the exact bytes, signed now (or as told). */
export const deliverStripe = (
  app: FastifyInstance,
  event: unknown,
  options: { secret?: string; timestamp?: number; body?: string } = {},
) => {
  const body = stripeBody(event);
  return app.inject({
    method: 'POST',
    url: '/webhook/stripe',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': stripeSignature(body, options.secret ?? STRIPE_WEBHOOK_SECRET, options.timestamp),
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    payload: options.body ?? body,
  });
};

/** POSTs a notification to /webhook/yookassa from this address (YooKassa's, unless told). */
export const deliverYooKassa = (app: FastifyInstance, notification: unknown, remoteAddress = YOOKASSA_IP) =>
  app.inject({
    method: 'POST',
    url: '/webhook/yookassa',
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(notification),
  });
