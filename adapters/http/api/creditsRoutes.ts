import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { accountStream } from '../../../core/ledger/index.js';
import { HttpError } from '../errors.js';
import { IDEMPOTENCY_KEY_PATTERN, runOncePerKey } from './idempotency.js';
import { attemptIdOf, PROVIDER_CURRENCY, startPayment } from './purchases.js';
import {
  BalanceReplySchema,
  errorReplies,
  IdempotencyHeadersSchema,
  InvoiceBodySchema,
  PackagesReplySchema,
  PaymentReplySchema,
  PurchaseBodySchema,
  UserIdParamsSchema,
} from './schemas.js';
import type { RouteContext } from './routeContext.js';

/**
 * A payment start under an optional `Idempotency-Key`: with one, the key is claimed before the
 * provider is called, so requests racing with one key make one payment and share its answer
 * (another body under the key: 422). Without one, every request is a new attempt.
 */
const oncePerKey = async (
  context: RouteContext,
  reply: FastifyReply,
  request: { scope: string; key: string | undefined; body: unknown },
  start: () => Promise<unknown>,
): Promise<FastifyReply> => {
  const { key } = request;
  if (key === undefined) return reply.send(await start());
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new HttpError(
      'invalid_request',
      'the Idempotency-Key header must be 1 to 255 printable characters, no spaces',
    );
  }
  const answer = await runOncePerKey(context.pool, { ...request, key }, async () => ({
    statusCode: 200,
    response: await start(),
    keep: true,
  }));
  return reply.header('idempotent-replayed', String(answer.replayed)).code(answer.statusCode).send(answer.response);
};

/** A user's credits from the users read table, and the quarantine reason of their account if any. */
const BALANCE_SQL =
  'SELECT u.credits, u.credits_reserved, ' +
  '(SELECT q.reason FROM projection_quarantine q WHERE q.stream = $2 LIMIT 1) AS quarantined\n' +
  '       FROM (VALUES (1)) AS one LEFT JOIN users u ON u.id = $1';

const TAGS = ['credits'];

/** A user's spendable and held credits. */
const registerBalanceRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/credits/balance/:userId',
    {
      schema: {
        tags: TAGS,
        summary: "A user's spendable and held credits, from the users read table",
        params: UserIdParamsSchema,
        response: { 200: BalanceReplySchema, ...errorReplies(400, 401, 404, 429, 503) },
      },
      preHandler: context.guard,
    },
    async (request) => {
      const { userId } = request.params;
      // A quarantined account's row stopped at the event that could not be applied: refuse it
      // rather than serve a stale number.
      const result = await context.pool.query<{
        credits: number | null;
        credits_reserved: number | null;
        quarantined: string | null;
      }>(BALANCE_SQL, [userId, accountStream(userId)]);
      const row = result.rows[0]!;
      if (row.quarantined !== null)
        throw new HttpError('user_quarantined', `the account of user ${userId} is quarantined: ${row.quarantined}`);
      if (row.credits === null || row.credits_reserved === null)
        throw new HttpError('not_found', `no account for user ${userId}`);
      return { userId, credits: row.credits, reserved: row.credits_reserved };
    },
  );
};

/** The credit packages on sale. */
const registerPackagesRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/credits/packages',
    {
      schema: {
        tags: TAGS,
        summary: 'The credit packages on sale, prices in minor units',
        response: { 200: PackagesReplySchema, ...errorReplies(401, 429) },
      },
      preHandler: context.guard,
    },
    async () => ({
      packages: context.ledgerConfig.packages.map((p) => ({
        id: p.id,
        credits: p.credits,
        prices: { USD: p.prices.USD, RUB: p.prices.RUB, XTR: p.prices.XTR },
      })),
    }),
  );
};

/** The start of a purchase. */
const registerPurchaseRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/credits/purchase',
    {
      schema: {
        tags: TAGS,
        summary: 'Start a purchase: where the user pays (checkout page or Stars invoice link)',
        body: PurchaseBodySchema,
        headers: IdempotencyHeadersSchema,
        response: { 200: PaymentReplySchema, ...errorReplies(400, 401, 409, 422, 429, 502, 503, 504) },
      },
      preHandler: context.guard,
    },
    async (request, reply) => {
      const body = request.body;
      const expected = PROVIDER_CURRENCY[body.payment_provider];
      if (body.currency !== expected) {
        throw new HttpError('invalid_request', `${body.payment_provider} takes ${expected}, not ${body.currency}`, {
          details: [{ path: '/currency', message: `expected ${expected}` }],
        });
      }
      const key = request.headers['idempotency-key'];
      return oncePerKey(context, reply, { scope: 'credits.purchase', key, body }, () =>
        startPayment(context.startPurchase, context.ledgerConfig, {
          userId: body.user_id,
          packageId: body.package_type,
          provider: body.payment_provider,
          attemptId: attemptIdOf(key),
          email: body.email,
        }),
      );
    },
  );
};

/** A Telegram Stars invoice link. */
const registerInvoiceRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/invoice/create',
    {
      schema: {
        tags: TAGS,
        summary: 'A Telegram Stars invoice link for a package',
        body: InvoiceBodySchema,
        headers: IdempotencyHeadersSchema,
        response: { 200: PaymentReplySchema, ...errorReplies(400, 401, 409, 422, 429, 502, 503, 504) },
      },
      preHandler: context.guard,
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      return oncePerKey(context, reply, { scope: 'invoice.create', key, body: request.body }, () =>
        startPayment(context.startPurchase, context.ledgerConfig, {
          userId: request.body.user_id,
          packageId: request.body.package_type,
          provider: 'telegram_stars',
          attemptId: attemptIdOf(key),
        }),
      );
    },
  );
};

/** Balance, packages, purchase and invoice routes. */
export const registerCreditRoutes = (root: FastifyInstance, context: RouteContext): void => {
  registerBalanceRoute(root, context);
  registerPackagesRoute(root, context);
  registerPurchaseRoute(root, context);
  registerInvoiceRoute(root, context);
};
