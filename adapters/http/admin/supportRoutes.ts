import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ConcurrencyExhausted } from '../../../core/eventstore/index.js';
import { accountStream } from '../../../core/ledger/index.js';
import { buildTimeline } from '../../../app/reports/timeline.js';
import { PAYMENT_ERROR_CODES, PaymentProviderError } from '../../../app/payments/errors.js';
import { HttpError, PROVIDER_FAILURE_CODES } from '../errors.js';
import { errorReplies } from '../api/schemas.js';
import {
  ActionRefused,
  goodwillGrant,
  openHoldExpiry,
  rebuildReadRows,
  refundPurchase,
  releaseHold,
  type ActionInput,
  type ActionResult,
} from '../../../app/support/actions.js';
import {
  ActionBodySchema,
  ActionReplySchema,
  GrantBodySchema,
  HoldParamsSchema,
  RefundBodySchema,
  TimelineQuerySchema,
  TimelineReplySchema,
  UserParamsSchema,
} from './adminSchemas.js';
import type { AdminContext } from './adminContext.js';

/** Support: a user's timeline, and corrections that are each an audited event. */

const actionInput = (
  request: FastifyRequest,
  userId: string,
  body: { reason: string; actionId?: string | undefined },
): ActionInput => ({
  userId,
  operator: request.admin!.name,
  role: request.admin!.role,
  reason: body.reason,
  actionId: body.actionId,
});

/** 404 for a user the ledger never heard of. */
const requireAccount = async (context: AdminContext, userId: string): Promise<void> => {
  const [first] = await context.store.readStream(accountStream(userId), { maxCount: 1 });
  if (!first) throw new HttpError('not_found', `no account for user ${userId}`);
};

/**
 * Runs an action; a refusal by the ledger is a 409 that still carries the audited action. A
 * provider's failure (a refund) is 502 / 503 / 504 by its failure domain, with its code.
 */
const perform = async (pending: Promise<ActionResult>): Promise<ActionResult> => {
  let result: ActionResult;
  try {
    result = await pending;
  } catch (error) {
    if (error instanceof ActionRefused) {
      throw new HttpError(error.code, error.message, error.rejection ? { rejection: error.rejection } : {});
    }
    if (error instanceof ConcurrencyExhausted)
      throw new HttpError('busy', 'the account kept changing; retry with the same actionId');
    if (error instanceof PaymentProviderError) {
      const code = PROVIDER_FAILURE_CODES[PAYMENT_ERROR_CODES[error.code].domain];
      const advice = error.retryable
        ? 'nothing was recorded here; retry with the same actionId'
        : 'nothing was recorded here';
      throw new HttpError(code, `${error.provider}: ${error.message} (${advice})`, { rejection: error.code });
    }
    throw error;
  }
  if (result.outcome === 'ok' || result.outcome === 'no_change') return result;
  throw new HttpError('rejected', `the ledger refused: ${result.outcome}`, {
    rejection: result.outcome,
    details: result,
  });
};

const TAGS = ['support'];
const ERRORS = errorReplies(400, 401, 403, 404, 409, 503);

/** A user's timeline as of a time. */
const registerTimelineRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/admin/users/:userId/timeline',
    {
      schema: {
        tags: TAGS,
        summary: "Every event of a user's account and sessions, with the state after each, as of a time",
        params: UserParamsSchema,
        querystring: TimelineQuerySchema,
        response: { 200: TimelineReplySchema, ...ERRORS },
      },
      onRequest: context.support,
    },
    async (request) => {
      const { userId } = request.params;
      await requireAccount(context, userId);
      const asOf =
        request.query.asOf === undefined ? undefined : new Date(Date.parse(request.query.asOf)).toISOString();
      return buildTimeline(context.store, userId, { asOf, sessions: context.sessions });
    },
  );
};

/** A goodwill grant. */
const registerGrantRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/admin/users/:userId/grants',
    {
      schema: {
        tags: TAGS,
        summary: 'A goodwill grant (audited)',
        params: UserParamsSchema,
        body: GrantBodySchema,
        response: { 200: ActionReplySchema, ...ERRORS },
      },
      onRequest: context.support,
    },
    async (request) => {
      const { userId } = request.params;
      await requireAccount(context, userId);
      return perform(
        goodwillGrant(context, { ...actionInput(request, userId, request.body), credits: request.body.credits }),
      );
    },
  );
};

/** A refund of a whole purchase. */
const registerRefundRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/admin/users/:userId/refunds',
    {
      schema: {
        tags: TAGS,
        summary: 'Refund a whole purchase through its provider, then claw its credits back (audited)',
        params: UserParamsSchema,
        body: RefundBodySchema,
        response: { 200: ActionReplySchema, ...ERRORS, ...errorReplies(502, 504) },
      },
      onRequest: context.support,
    },
    async (request) => {
      const { userId } = request.params;
      await requireAccount(context, userId);
      return perform(
        refundPurchase(context, { ...actionInput(request, userId, request.body), paymentId: request.body.paymentId }),
      );
    },
  );
};

/** The release of a stuck hold. */
const registerReleaseHoldRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/admin/users/:userId/holds/:reservationId/release',
    {
      schema: {
        tags: TAGS,
        summary: 'Release a stuck hold (audited)',
        params: HoldParamsSchema,
        body: ActionBodySchema,
        response: { 200: ActionReplySchema, ...ERRORS },
      },
      onRequest: context.support,
    },
    async (request) => {
      const { userId, reservationId } = request.params;
      await requireAccount(context, userId);
      const expiresAt = await openHoldExpiry(context.store, userId, reservationId);
      return perform(
        releaseHold(context, {
          ...actionInput(request, userId, request.body),
          reservationId,
          ...(expiresAt ? { expiresAt } : {}),
        }),
      );
    },
  );
};

/** The rebuild of a user's read rows. */
const registerRebuildRoute = (root: FastifyInstance, context: AdminContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/admin/users/:userId/rebuild',
    {
      schema: {
        tags: TAGS,
        summary: "Rebuild this user's read rows from their events (audited)",
        params: UserParamsSchema,
        body: ActionBodySchema,
        response: { 200: ActionReplySchema, ...ERRORS },
      },
      onRequest: context.support,
    },
    async (request) => {
      const { userId } = request.params;
      await requireAccount(context, userId);
      return perform(rebuildReadRows(context, actionInput(request, userId, request.body)));
    },
  );
};

export const registerSupportRoutes = (root: FastifyInstance, context: AdminContext): void => {
  registerTimelineRoute(root, context);
  registerGrantRoute(root, context);
  registerRefundRoute(root, context);
  registerReleaseHoldRoute(root, context);
  registerRebuildRoute(root, context);
};
