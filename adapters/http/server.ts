import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './errorHandling.js';
import type { HealthReport } from './health.js';
import { httpRequestDuration, registry } from './metrics.js';

/** Request bodies above this are refused with 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A request not received completely within this is answered 408 (request_timeout). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Per-user request budget on routes that opt in (`config.rateLimit`). */
export const RATE_LIMIT_PER_MINUTE = 100;

/** A route as registered: what a test walks to reach every route, including ones added later. */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** The statuses its reply schema documents (empty for routes without one). */
  statuses: number[];
}

const routesByServer = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route of a server built by buildHttpServer, in registration order (HEAD twins left out). */
export const registeredRoutes = (app: FastifyInstance): readonly RegisteredRoute[] => routesByServer.get(app) ?? [];

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  health: () => Promise<HealthReport>;
  /** Route plugins contributed by the features that are on (API, webhooks, admin, bot). */
  plugins?: FastifyPluginAsync[];
  /** Trust X-Forwarded-For from this many proxies (for webhook IP allowlists behind a proxy). */
  trustProxy?: boolean | string;
}

/** The Fastify app: /health, /metrics, /docs/json, plus the routes of every enabled feature. */
export const buildHttpServer = async (options: HttpServerOptions): Promise<FastifyInstance> => {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Answered by errorHandling.ts in the registry's shape instead of Fastify's own bodies.
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler,
    trustProxy: options.trustProxy ?? false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  const routes: RegisteredRoute[] = [];
  routesByServer.set(app, routes);
  // On the root before any plugin: onRoute hooks are inherited, so routes of every scope are seen.
  app.addHook('onRoute', (route) => {
    const statuses = Object.keys((route.schema?.response ?? {}) as object).map(Number);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, statuses });
    }
  });
  await app.register(swagger, {
    openapi: { info: { title: 'Modera ledger API', version: '1' } },
    transform: jsonSchemaTransform,
  });
  await app.register(rateLimit, { global: false, max: RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' });
  app.addHook('onResponse', async (request, reply) => {
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const report = await options.health();
    return reply.code(report.status === 'down' ? 503 : 200).send(report);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  return app;
};
