import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { requireServiceToken } from '../auth.js';
import { RATE_LIMIT_PER_MINUTE } from '../server.js';
import { countedExecute } from './commandMetrics.js';
import { registerCreditRoutes } from './creditsRoutes.js';
import { registerFashionRoutes } from './fashionRoutes.js';
import type { RouteContext, ServiceApiDependencies } from './routeContext.js';
import { registerUseRoute } from './useRoute.js';

export type { ServiceApiDependencies } from './routeContext.js';

/**
 * The service API (`/api/v1/…`, bearer INTERNAL_API_TOKEN): the architecture document's credit,
 * invoice and fashion routes, with zod schemas for every body, query and reply (served as
 * OpenAPI at /docs/json) and one request budget per user across all of them.
 */

/** The user a request is about: the path's userId or the body's user_id; else the caller's address. */
const userKey = (request: FastifyRequest): string => {
  const params = request.params as { userId?: unknown } | undefined;
  const body = request.body as { user_id?: unknown } | undefined;
  const userId = params?.userId ?? body?.user_id;
  return userId === undefined ? `ip:${request.ip}` : `user:${String(userId)}`;
};

/**
 * One budget per user for the whole API (a route-level `config.rateLimit` would give each route
 * its own). It runs as a preHandler, after the body is parsed, so a body's user_id counts.
 */
const perUserRateLimit = (app: FastifyInstance, max: number): preHandlerAsyncHookHandler =>
  app.rateLimit({ max, timeWindow: '1 minute', keyGenerator: userKey }) as preHandlerAsyncHookHandler;

export const serviceApiRoutes =
  (deps: ServiceApiDependencies): FastifyPluginAsync =>
  async (app) => {
    // Every route of this scope: the token is checked before the body is parsed or validated, so a
    // caller without it gets 401, never a 400 that describes the schema.
    app.addHook('onRequest', requireServiceToken(deps.token));
    const context: RouteContext = {
      ...deps,
      executeAccount: countedExecute(deps.executeAccount),
      guard: [perUserRateLimit(app, deps.rateLimitPerMinute ?? RATE_LIMIT_PER_MINUTE)],
    };
    registerCreditRoutes(app, context);
    registerUseRoute(app, context);
    registerFashionRoutes(app, context);
  };
