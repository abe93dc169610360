import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ConcurrencyExhausted, type CommandResult } from '../../../core/eventstore/index.js';
import { RETRYABLE_REJECTIONS, type AccountCommand, type Rejection } from '../../../core/ledger/index.js';
import { errorBody, HTTP_ERRORS, HttpError, type HttpErrorCode } from '../errors.js';
import { IDEMPOTENCY_KEY_PATTERN, runOncePerKey, type KeyedOutcome } from './idempotency.js';
import { errorReplies, IdempotencyHeadersSchema, UseBodySchema, UseReplySchema } from './schemas.js';
import type { RouteContext } from './routeContext.js';

/**
 * `POST /api/v1/credits/use`: reserve, capture, release, or charge (reserve and capture at once)
 * credits for a feature, under an `Idempotency-Key`. Idempotent twice over: the key is claimed
 * before the commands run and their first answer is kept and replayed (idempotency.ts), and the
 * reservation id is made from the key, so even a lost answer retried with the same key lands on
 * the same hold in the ledger.
 */

const SCOPE = 'credits.use';
/** A charge's hold lives only for the moment between its reserve and its capture. */
export const CHARGE_HOLD_TTL_SECONDS = 60;

type UseBody = z.output<typeof UseBodySchema>;
type Answer = { statusCode: number; response: unknown };

/** The reservation id of a key: `api-` and 40 hex digits of its SHA-256 (keys may be 255 long). */
export const reservationIdOf = (key: string): string =>
  `api-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

const rejectionAnswer = (rejection: Rejection): Answer => {
  const code: HttpErrorCode =
    rejection === 'account_not_found'
      ? 'not_found'
      : rejection === 'insufficient_credits'
        ? 'payment_required'
        : 'rejected';
  return { statusCode: HTTP_ERRORS[code].status, response: errorBody(code, `rejected: ${rejection}`, { rejection }) };
};

const commandsOf = (body: UseBody, reservationId: string, ttlSeconds: number, occurredAt: string): AccountCommand[] => {
  const metadata = { actor: 'service:api', correlationId: body.session_id };
  const reserve: AccountCommand = {
    type: 'ReserveCredits',
    reservationId,
    credits: body.credits_amount,
    feature: body.feature_used,
    ttlSeconds,
    occurredAt,
    metadata,
  };
  const capture: AccountCommand = {
    type: 'CaptureReservation',
    reservationId,
    credits: body.credits_amount,
    occurredAt,
    metadata,
  };
  switch (body.action) {
    case 'charge':
      return [reserve, capture];
    case 'reserve':
      return [reserve];
    case 'capture':
      return [capture];
    case 'release':
      return [{ type: 'ReleaseReservation', reservationId, reason: 'cancelled', occurredAt, metadata }];
    default: {
      const _exhaustive: never = body.action;
      throw new Error(`unknown action ${String(_exhaustive)}`);
    }
  }
};

const STATUS = { charge: 'captured', reserve: 'held', capture: 'captured', release: 'released' } as const;

/** Runs the action's commands in order; the first rejection is the answer. */
const execute = async (context: RouteContext, body: UseBody, key: string): Promise<KeyedOutcome> => {
  const reservationId = body.reservation_id ?? reservationIdOf(key);
  const ttlSeconds =
    body.action === 'charge'
      ? CHARGE_HOLD_TTL_SECONDS
      : Math.min(body.ttl_seconds ?? context.ledgerConfig.maxHoldTtlSeconds, context.ledgerConfig.maxHoldTtlSeconds);
  let last: CommandResult<Rejection> | undefined;
  for (const command of commandsOf(body, reservationId, ttlSeconds, new Date().toISOString())) {
    try {
      last = await context.executeAccount(body.user_id, command);
    } catch (error) {
      if (error instanceof ConcurrencyExhausted)
        throw new HttpError('busy', 'the account kept changing; retry with the same Idempotency-Key');
      throw error;
    }
    // A rejection a later retry may not see (insufficient_credits before a purchase) is not kept.
    if (!last.ok) return { ...rejectionAnswer(last.rejection), keep: !RETRYABLE_REJECTIONS.has(last.rejection) };
  }
  const response = {
    userId: body.user_id,
    action: body.action,
    reservationId,
    status: STATUS[body.action],
    credits: body.credits_amount,
    position: last!.position,
  };
  return { statusCode: 200, response, keep: true };
};

const send = (reply: FastifyReply, answer: Answer, replayed: boolean) =>
  reply.header('idempotent-replayed', String(replayed)).code(answer.statusCode).send(answer.response);

export const registerUseRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/credits/use',
    {
      schema: {
        tags: ['credits'],
        summary: 'Reserve, capture, release or charge credits for a feature (Idempotency-Key required)',
        body: UseBodySchema,
        headers: IdempotencyHeadersSchema,
        response: { 200: UseReplySchema, ...errorReplies(400, 401, 402, 404, 409, 422, 429, 503) },
      },
      preHandler: context.guard,
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (!key || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
        throw new HttpError(
          'idempotency_key_required',
          'send an Idempotency-Key header: 1 to 255 printable characters, no spaces',
        );
      }
      const answer = await runOncePerKey(context.pool, { scope: SCOPE, key, body: request.body }, () =>
        execute(context, request.body, key),
      );
      return send(reply, answer, answer.replayed);
    },
  );
};
