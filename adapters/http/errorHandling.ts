import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { JSON_MAX_DEPTH, jsonDepthExceeds } from '../../core/input/index.js';
import { TELEGRAM_USER_ID_RULE } from '../../core/ids/index.js';
import {
  errorBody,
  HTTP_ERRORS,
  HttpError,
  isHttpErrorCode,
  type HttpErrorBody,
  type HttpErrorCode,
} from './errors.js';
import { isUserIdFailure } from './userIds.js';

/**
 * Every error the server answers, in one shape (`{ error: { code, message } }`) with a code from
 * HTTP_ERRORS and exactly its registered status: errors routes throw, schema failures, Fastify's
 * own errors (bad URL, 413, 415, bad JSON), the ones Node answers before Fastify sees the request
 * (431, 408, unparsable HTTP), unknown routes and requests that arrive while the server closes.
 */

/** Fastify's own error codes that map to ours; anything else goes by its status (STATUS_CODES_OF). */
const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
  FST_ERR_BAD_URL: 'invalid_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

/** A client error status with no more specific code: the code registered with that status. */
const CODE_OF_STATUS: Record<number, HttpErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

type Extra = Omit<HttpErrorBody['error'], 'code' | 'message'>;

const send = (reply: FastifyReply, code: HttpErrorCode, message: string, extra: Extra = {}) =>
  reply.code(HTTP_ERRORS[code].status).send(errorBody(code, message, { ...extra, requestId: reply.request.id }));

/**
 * An error another adapter throws without importing this one (the Telegram webhook): a registered
 * `code` with exactly its registered `statusCode`, as Fastify's own errors carry them.
 */
const registeredRefusal = (error: FastifyError): HttpErrorCode | undefined =>
  isHttpErrorCode(error.code) && error.statusCode === HTTP_ERRORS[error.code].status ? error.code : undefined;

const handleError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
  if (error instanceof HttpError) return send(reply, error.code, error.message, error.extra);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((v) => ({ path: v.instancePath, message: v.message }));
    if (isUserIdFailure(error.validation)) return send(reply, 'invalid_user_id', TELEGRAM_USER_ID_RULE, { details });
    return send(reply, 'invalid_request', `invalid ${error.validationContext ?? 'request'}`, { details });
  }
  // Before the registered codes: its message would be the driver's, naming hosts.
  if (error.code === 'store_unavailable') {
    return send(reply, 'store_unavailable', 'the database is unreachable; nothing was written');
  }
  const refusal = registeredRefusal(error);
  if (refusal) return send(reply, refusal, error.message);
  if (error instanceof SyntaxError) return send(reply, 'malformed_json', 'the body is not valid JSON');
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return send(reply, mapped, error.message);
  const status = error.statusCode ?? 500;
  // A 4xx from Fastify or a plugin that we do not know by code: refused, with the code of its status.
  if (status >= 400 && status < 500) return send(reply, CODE_OF_STATUS[status] ?? 'invalid_request', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return send(reply, 'internal', 'internal error');
};

/**
 * The JSON parser: Fastify's own (prototype-poisoning checks included), after a measure of the
 * text's nesting, so a body nested deeper than JSON_MAX_DEPTH is a 400 before any recursive walk
 * (a Telegram update 200 000 levels deep overflowed the stack when it was recorded: 500).
 */
const installJsonParser = (app: FastifyInstance): void => {
  const { onProtoPoisoning, onConstructorPoisoning } = app.initialConfig;
  const parse = app.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text, JSON_MAX_DEPTH)) {
      return done(new HttpError('json_too_deep', `the body nests deeper than ${JSON_MAX_DEPTH} levels`), undefined);
    }
    return parse(request, text, done);
  });
};

/** Requests that arrive after close() began: answered here, in our shape (Fastify's return503OnClosing is off). */
const installClosingAnswer = (app: FastifyInstance): void => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) return send(reply.header('connection', 'close'), 'shutting_down', 'the server is stopping; retry');
  });
};

export const installErrorHandling = (app: FastifyInstance): void => {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    send(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  installJsonParser(app);
  installClosingAnswer(app);
};

/** Fastify's `frameworkErrors`: a URL it cannot route (bad percent-encoding, an over-long parameter). */
export const frameworkErrors = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
  const code = (error.code && FASTIFY_CODES[error.code]) || 'invalid_request';
  const message = code === 'invalid_request' ? 'the URL is not valid (malformed percent-encoding?)' : error.message;
  void send(reply, code, message);
};

const CLIENT_ERROR_CODES: Record<string, HttpErrorCode> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

/**
 * Fastify's `clientErrorHandler`: what Node's parser refuses before there is a request (headers
 * over the limit, a request not received in time, bytes that are not HTTP). Written on the socket
 * by hand, as Fastify's default does, but in our shape.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer (Node's documentation of 'clientError').
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = CLIENT_ERROR_CODES[error.code ?? ''] ?? 'invalid_request';
  const status = HTTP_ERRORS[code].status;
  const message = code === 'invalid_request' ? 'the request is not valid HTTP' : HTTP_ERRORS[code].description;
  const body = JSON.stringify(errorBody(code, message));
  this.log.debug({ err: error }, 'client error');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
