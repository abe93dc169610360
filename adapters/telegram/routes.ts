import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Update } from 'grammy/types';

/** The path Telegram posts updates to (a fixed interface: README's HTTP routes table). */
export const WEBHOOK_PATH = '/webhook/telegram';
/** The header Telegram sets to the `secret_token` given to setWebhook. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface TelegramWebhookOptions {
  /** TELEGRAM_WEBHOOK_SECRET: required, so an unauthenticated caller can never post updates. */
  secretToken: string;
  /** Records and queues an update; returns once it is durably recorded. */
  accept(update: Update): Promise<'new' | 'duplicate'>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison (hashing first gives both sides the same length). */
const sameSecret = (given: unknown, expected: string): boolean =>
  typeof given === 'string' && timingSafeEqual(digest(given), digest(expected));

/**
 * A refusal the HTTP server answers in its one error shape: `code` is a code of its registry
 * (adapters/http/errors.ts) and `statusCode` exactly its status. Thrown rather than sent, so this
 * adapter need not import the HTTP one.
 */
class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
  constructor(
    readonly code: 'unauthorized' | 'invalid_request',
    readonly statusCode: 401 | 400,
    message: string,
  ) {
    super(message);
  }
}

const isUpdate = (body: unknown): body is Update =>
  typeof body === 'object' &&
  body !== null &&
  Number.isSafeInteger((body as { update_id?: unknown }).update_id) &&
  (body as { update_id: number }).update_id >= 0;

/**
 * `POST /webhook/telegram`: checks the secret token (401 otherwise), records the update, and
 * answers 200 at once; the bot handles it afterwards (record, acknowledge, then act). A
 * redelivered update is answered 200 and ignored. If the update cannot be recorded the answer is
 * 500, and Telegram delivers it again later.
 */
export const telegramWebhookRoutes = (options: TelegramWebhookOptions): FastifyPluginAsync => {
  if (options.secretToken.length === 0) throw new Error('the Telegram webhook needs a secret token');
  return async (app) => {
    // onRequest: the secret is checked before the body is read or parsed (a stranger learns nothing from a 400).
    const onRequest = async (request: FastifyRequest): Promise<void> => {
      if (!sameSecret(request.headers[SECRET_HEADER], options.secretToken)) {
        throw new WebhookRefused('unauthorized', 401, `the ${SECRET_HEADER} header does not match the webhook secret`);
      }
    };
    app.post(WEBHOOK_PATH, { onRequest }, async (request, reply) => {
      if (!isUpdate(request.body)) {
        throw new WebhookRefused('invalid_request', 400, 'not a Telegram update: update_id is missing');
      }
      const outcome = await options.accept(request.body);
      return reply.code(200).send({ ok: true, duplicate: outcome === 'duplicate' });
    });
  };
};
