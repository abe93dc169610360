/**
 * A child process for the kill -9 test (app/payments/crash.test.ts): it receives one Stripe
 * delivery through the real route (recorded in the inbox, acknowledged), starts the processor,
 * and stops dead right before the ledger append, printing `about-to-apply`, so the parent can
 * SIGKILL it there. Input: MODERA_TEST_DATABASE_URL, MODERA_TEST_EVENT (the event JSON),
 * MODERA_TEST_LEASE_MS, MODERA_TEST_WEBHOOK_SECRET.
 */
import { pino } from 'pino';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { buildHttpServer } from '../../adapters/http/server.js';
import { createInterpreter } from '../../app/payments/interpret.js';
import { paymentInboxReaders } from '../../adapters/payments/inboxReaders.js';
import { createPaymentsProcessor } from '../../app/payments/processor.js';
import { stripeDeliveryCheck } from '../../adapters/payments/webhookChecks.js';
import { postgresPaymentInbox, postgresPurchaseIndex } from '../../adapters/postgres/index.js';
import { paymentRoutes } from '../../adapters/http/payments/routes.js';
import { createPool } from '../../adapters/postgres/index.js';
import { createCommandHandler } from '../../core/eventstore/commandHandler.js';
import { accountDecider, defaultLedgerConfig } from '../../core/ledger/index.js';
import { stripeBody, stripeSignature } from '../fakes/stripePayloads.js';

// Not imported from ./payments.js: that module loads tap, which has no business in this process.
const STRIPE_WEBHOOK_SECRET = process.env.MODERA_TEST_WEBHOOK_SECRET!;
const pool = createPool(process.env.MODERA_TEST_DATABASE_URL!);
const store = new PostgresEventStore(pool);
const ledger = createCommandHandler(accountDecider(defaultLedgerConfig), { store });
const app = await buildHttpServer({
  logger: pino({ level: 'silent' }),
  health: async () => ({ status: 'ok', version: 'test', uptimeSeconds: 0, dependencies: {}, projections: [] }),
  plugins: [paymentRoutes({ inbox: postgresPaymentInbox(pool), stripe: stripeDeliveryCheck(STRIPE_WEBHOOK_SECRET) })],
});
const body = stripeBody(JSON.parse(process.env.MODERA_TEST_EVENT!));
const response = await app.inject({
  method: 'POST',
  url: '/webhook/stripe',
  payload: body,
  headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, STRIPE_WEBHOOK_SECRET) },
});
process.stdout.write(`acknowledged ${response.statusCode}\n`);
const processor = createPaymentsProcessor({
  inbox: postgresPaymentInbox(pool),
  purchases: postgresPurchaseIndex(pool),
  ledger,
  ledgerConfig: defaultLedgerConfig,
  interpret: createInterpreter(paymentInboxReaders({})),
  leaseMs: Number(process.env.MODERA_TEST_LEASE_MS),
  beforeApply: async () => {
    process.stdout.write('about-to-apply\n');
    await new Promise(() => undefined); // wait here for SIGKILL
  },
});
await processor.drain();
