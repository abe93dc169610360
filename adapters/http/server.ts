import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { HealthReport } from './health.js';

/** Request bodies above this are refused with 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A request that takes longer than this is answered 503 by the server. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  health: () => Promise<HealthReport>;
  /** Route plugins contributed by the features that are on (API, webhooks, admin, bot). */
  plugins?: FastifyPluginAsync[];
}

/** The Fastify app: /health plus the routes of every enabled feature. */
export const buildHttpServer = async (options: HttpServerOptions): Promise<FastifyInstance> => {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    disableRequestLogging: false,
  });
  app.get('/health', async (_request, reply) => {
    const report = await options.health();
    return reply.code(report.status === 'down' ? 503 : 200).send(report);
  });
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
};
