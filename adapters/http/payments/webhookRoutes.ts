import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeliveryRecorder } from '../../../app/payments/inbox.js';
import type { VerifyStripeDelivery, YooKassaDeliveryCheck } from '../../../app/payments/webhookChecks.js';
import { JSON_MAX_DEPTH, jsonDepthExceeds } from '../../../core/input/index.js';
import { errorBody, HTTP_ERRORS } from '../errors.js';

/** Stripe events are small; a few big ones (expanded lists) stay far below this. */
export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

export interface WebhookRoutesOptions {
  inbox: DeliveryRecorder;
  /** With Stripe configured: `POST /webhook/stripe`, its signature checked with this. */
  stripe?: VerifyStripeDelivery | undefined;
  /** With YooKassa configured: `POST /webhook/yookassa`, from YooKassa's addresses only. */
  yookassa?: YooKassaDeliveryCheck | undefined;
  /** Told after a delivery is recorded (the processor's `wake`). */
  onRecorded?: (() => void) | undefined;
}

/** Keeps the exact bytes: Stripe's signature is over them, and a re-serialised body must fail. */
const rawBody = (app: FastifyInstance): void => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, body),
  );
};

const bodyOf = (request: FastifyRequest): Buffer => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));

const stripeRoute = (app: FastifyInstance, options: WebhookRoutesOptions, verify: VerifyStripeDelivery): void => {
  app.post('/webhook/stripe', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = bodyOf(request);
    const signature = request.headers['stripe-signature'];
    const verification = verify(raw, typeof signature === 'string' ? signature : undefined);
    if (!verification.ok) {
      request.log.warn({ reason: verification.reason, ip: request.ip }, 'stripe webhook refused: bad signature');
      // 400, as Stripe's documentation asks of a failed verification; the code is registered with it.
      const refusal = errorBody('invalid_signature', 'Stripe signature verification failed');
      return reply.code(HTTP_ERRORS.invalid_signature.status).send(refusal);
    }
    // Recorded before the answer: if this insert fails, Stripe gets a 5xx and delivers again.
    const { duplicate } = await options.inbox.record({
      provider: 'stripe',
      deliveryId: verification.deliveryId,
      kind: 'stripe.event',
      source: 'webhook',
      body: raw,
      headers: { 'stripe-signature': signature as string },
      remoteIp: request.ip,
    });
    options.onRecorded?.();
    return reply.code(200).send({ received: true, duplicate });
  });
};

const yookassaRoute = (app: FastifyInstance, options: WebhookRoutesOptions, check: YooKassaDeliveryCheck): void => {
  app.post('/webhook/yookassa', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    // request.ip honours the server's trustProxy: behind a proxy, the client's address.
    if (!check.allows(request.ip)) {
      request.log.warn({ ip: request.ip }, 'yookassa notification refused: address not in the allowlist');
      return reply.code(403).send(errorBody('forbidden', 'notifications are accepted only from YooKassa'));
    }
    const raw = bodyOf(request);
    const text = raw.toString('utf8');
    // Refused before it is recorded: the processor's walks over a deeper body would overflow the stack.
    if (jsonDepthExceeds(text)) {
      return reply.code(400).send(errorBody('json_too_deep', `the body nests deeper than ${JSON_MAX_DEPTH} levels`));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return reply.code(400).send(errorBody('malformed_json', 'the body is not valid JSON'));
    }
    const deliveryId = check.deliveryIdOf(parsed);
    if (deliveryId === undefined)
      return reply.code(400).send(errorBody('invalid_request', 'not a YooKassa notification'));
    const { duplicate } = await options.inbox.record({
      provider: 'yookassa',
      deliveryId,
      kind: 'yookassa.notification',
      source: 'webhook',
      body: raw,
      remoteIp: request.ip,
    });
    options.onRecorded?.();
    return reply.code(200).send({ received: true, duplicate });
  });
};

/**
 * `POST /webhook/stripe` and `POST /webhook/yookassa`: verify what can be verified in the
 * request (Stripe's signature; YooKassa's sender address), record the delivery, answer. No
 * provider is called and no ledger command runs here (record, acknowledge, act): the processor does that.
 */
export const registerWebhookRoutes = async (app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> => {
  await app.register(async (scope) => {
    rawBody(scope);
    if (options.stripe) stripeRoute(scope, options, options.stripe);
    if (options.yookassa) yookassaRoute(scope, options, options.yookassa);
  });
};
