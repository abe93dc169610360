import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Outcome } from '../../../app/sessions/ports.js';
import { loadStyling, loadTryOn } from '../../../app/sessions/sessionStreams.js';
import {
  MAX_BUDGET_MINOR,
  type HoldResolution,
  type ImageInput,
  type ImageKind,
} from '../../../core/sessions/index.js';
import { HttpError } from '../errors.js';
import {
  RecommendationsQuerySchema,
  RecommendationsReplySchema,
  SessionParamsSchema,
  SessionStartedReplySchema,
  StyleAnalysisBodySchema,
  TryOnBodySchema,
  TryOnStatusReplySchema,
} from './fashionSchemas.js';
import { errorReplies } from './schemas.js';
import type { FashionDependencies, RouteContext } from './routeContext.js';

/**
 * The fashion routes: thin entries to the try-on and stylist sessions. Each step is a session
 * command through the session services (the bot's own), which reserve the credits when the
 * session is submitted; the AI worker picks the session up from its events. Replies come from
 * the session streams.
 */

const fail = (rejection: string): HttpError => {
  if (rejection === 'insufficient_credits')
    return new HttpError('payment_required', `rejected: ${rejection}`, { rejection });
  if (rejection === 'account_not_found' || rejection === 'session_not_found')
    return new HttpError('not_found', `rejected: ${rejection}`, { rejection });
  return new HttpError('rejected', `rejected: ${rejection}`, { rejection });
};

const check = async (pending: Promise<Outcome>): Promise<number> => {
  const outcome = await pending;
  if (!outcome.ok) throw fail(outcome.rejection);
  return outcome.position;
};

const stored = async (
  deps: FashionDependencies,
  kind: ImageKind,
  sessionId: string,
  url: string,
): Promise<ImageInput> => {
  const result = await deps.images.fromUrl(kind, sessionId, url);
  if (!result.ok)
    throw new HttpError('invalid_request', `${kind} image refused: ${result.rejection}`, {
      rejection: result.rejection,
    });
  return result.image;
};

const holdState = (s: {
  hold: unknown;
  holdResolution: HoldResolution | null;
}): 'none' | 'held' | 'captured' | 'released' =>
  s.hold === null || s.holdResolution?.action === 'none'
    ? 'none'
    : s.holdResolution === null
      ? 'held'
      : s.holdResolution.action === 'capture'
        ? 'captured'
        : 'released';

const need = (context: RouteContext): FashionDependencies => {
  if (!context.fashion)
    throw new HttpError('feature_off', 'the fashion sessions are not configured on this server (AI or storage off)');
  return context.fashion;
};

const TAGS = ['fashion'];
const ERRORS = errorReplies(400, 401, 402, 404, 409, 429, 503);

/** The start of a virtual try-on. */
const registerTryOnStartRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/fashion/virtual-tryon',
    {
      schema: {
        tags: TAGS,
        summary: 'Start a virtual try-on: the credits are held until the result',
        body: TryOnBodySchema,
        response: { 202: SessionStartedReplySchema, ...ERRORS },
      },
      preHandler: context.guard,
    },
    async (request, reply) => {
      const deps = need(context);
      const { user_id: userId, session_id: sessionId } = request.body;
      const now = () => new Date().toISOString();
      await check(deps.tryOn.start(userId, sessionId, now()));
      await check(
        deps.tryOn.provideClothing(
          sessionId,
          await stored(deps, 'clothing', sessionId, request.body.clothing_image_url),
          now(),
        ),
      );
      const position = await check(
        deps.tryOn.providePerson(
          sessionId,
          await stored(deps, 'person', sessionId, request.body.person_image_url),
          now(),
        ),
      );
      const session = await loadTryOn(context.store, sessionId);
      return reply
        .code(202)
        .send({ sessionId, userId, status: session.status, credits: session.hold?.credits ?? 0, position });
    },
  );
};

/** The state of a try-on. */
const registerTryOnStatusRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/fashion/tryon-status/:sessionId',
    {
      schema: {
        tags: TAGS,
        summary: 'The state of a try-on, from its events',
        params: SessionParamsSchema,
        response: { 200: TryOnStatusReplySchema, ...ERRORS },
      },
      preHandler: context.guard,
    },
    async (request) => {
      const { sessionId } = request.params;
      const s = await loadTryOn(context.store, sessionId);
      if (s.status === 'not_started') throw new HttpError('not_found', `no try-on session ${sessionId}`);
      return {
        sessionId,
        userId: s.userId,
        status: s.status,
        resultImageKey: s.result?.resultImageKey ?? null,
        qualityScore: s.result?.qualityScore ?? null,
        failureReason: s.failure?.reason ?? null,
        hold: holdState(s),
      };
    },
  );
};

/** The start of a stylist analysis. */
const registerStyleAnalysisStartRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/fashion/style-analysis',
    {
      schema: {
        tags: TAGS,
        summary: 'Start an AI stylist analysis: the credits are held until the result',
        body: StyleAnalysisBodySchema,
        response: { 202: SessionStartedReplySchema, ...ERRORS },
      },
      preHandler: context.guard,
    },
    async (request, reply) => {
      const deps = need(context);
      const { user_id: userId, session_id: sessionId, preferences, budget_range: range } = request.body;
      const budget = range
        ? { currency: range.currency, minMinor: range.min_minor, maxMinor: range.max_minor }
        : { currency: 'RUB' as const, minMinor: 0, maxMinor: MAX_BUDGET_MINOR.RUB };
      const now = () => new Date().toISOString();
      await check(deps.stylist.start(userId, sessionId, now()));
      await check(
        deps.stylist.providePhoto(
          sessionId,
          await stored(deps, 'style_input', sessionId, request.body.person_image_url),
          now(),
        ),
      );
      const position = await check(deps.stylist.submitPreferences(sessionId, { ...preferences, budget }, now()));
      const session = await loadStyling(context.store, sessionId);
      return reply
        .code(202)
        .send({ sessionId, userId, status: session.status, credits: session.hold?.credits ?? 0, position });
    },
  );
};

/** A stylist session's result. */
const registerRecommendationsRoute = (root: FastifyInstance, context: RouteContext): void => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/fashion/recommendations',
    {
      schema: {
        tags: TAGS,
        summary: "A stylist session's profile, recommendations and shopping links",
        querystring: RecommendationsQuerySchema,
        response: { 200: RecommendationsReplySchema, ...ERRORS },
      },
      preHandler: context.guard,
    },
    async (request) => {
      const { session_id: sessionId, user_id: userId } = request.query;
      const s = await loadStyling(context.store, sessionId);
      if (s.status === 'not_started' || (userId !== undefined && s.userId !== userId))
        throw new HttpError('not_found', `no stylist session ${sessionId}`);
      return {
        sessionId,
        userId: s.userId,
        status: s.status,
        profile: s.result?.profile ?? null,
        recommendations: s.result?.recommendations ?? [],
        products: s.products ?? [],
      };
    },
  );
};

export const registerFashionRoutes = (root: FastifyInstance, context: RouteContext): void => {
  registerTryOnStartRoute(root, context);
  registerTryOnStatusRoute(root, context);
  registerStyleAnalysisStartRoute(root, context);
  registerRecommendationsRoute(root, context);
};
