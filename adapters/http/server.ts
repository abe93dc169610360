import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { TELEGRAM_USER_ID_RULE } from '../../core/ids/index.js';
import { errorBody, HTTP_ERRORS, HttpError, type HttpErrorCode } from './errors.js';
import type { HealthReport } from './health.js';
import { httpRequestDuration, registry } from './metrics.js';
import { isUserIdFailure } from './userIds.js';

/** Request bodies above this are refused with 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A request that takes longer than this is answered 503 by the server. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Per-user request budget on routes that opt in (`config.rateLimit`). */
export const RATE_LIMIT_PER_MINUTE = 100;

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  health: () => Promise<HealthReport>;
  /** Route plugins contributed by the features that are on (API, webhooks, admin, bot). */
  plugins?: FastifyPluginAsync[];
  /** Trust X-Forwarded-For from this many proxies (for webhook IP allowlists behind a proxy). */
  trustProxy?: boolean | string;
}

/** Maps Fastify's own error codes to ours, so a malformed request is a 4xx with a code, never a 500. */
const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
};

const installErrorHandling = (app: FastifyInstance): void => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const requestId = request.id;
    if (error instanceof HttpError) {
      return reply.code(error.status).send(errorBody(error.code, error.message, { ...error.extra, requestId }));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ path: v.instancePath, message: v.message }));
      if (isUserIdFailure(error.validation)) {
        return reply.code(400).send(errorBody('invalid_user_id', TELEGRAM_USER_ID_RULE, { details, requestId }));
      }
      return reply.code(400).send(errorBody('invalid_request', `invalid ${error.validationContext ?? 'request'}`, { details, requestId }));
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.code(400).send(errorBody('malformed_json', 'the body is not valid JSON', { requestId }));
    }
    if (error.statusCode === 429) {
      return reply.code(429).send(errorBody('rate_limited', error.message, { requestId }));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return reply.code(HTTP_ERRORS[mapped].status).send(errorBody(mapped, error.message, { requestId }));
    if ((error as { code?: string }).code === 'store_unavailable') {
      return reply.code(503).send(errorBody('store_unavailable', 'the database is unreachable; nothing was written', { requestId }));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('internal', 'internal error', { requestId }));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
};

/** The Fastify app: /health, /metrics, /docs/json, plus the routes of every enabled feature. */
export const buildHttpServer = async (options: HttpServerOptions): Promise<FastifyInstance> => {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
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
