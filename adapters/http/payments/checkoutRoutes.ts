import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { CheckoutUnavailable, type StartCheckout } from '../../../app/payments/checkout.js';
import { PAYMENT_ERROR_CODES, PaymentProviderError } from '../../../app/payments/errors.js';
import { PACKAGE_IDS } from '../../../core/ledger/commands.js';
import type { CreditPackage } from '../../../core/ledger/config.js';
import { HttpError, PROVIDER_FAILURE_CODES } from '../errors.js';
import { checkoutPageCsp, checkoutPageHtml, checkoutReturnHtml } from './checkoutPage.js';
import { TelegramLoginSchema, verifyTelegramLogin } from './telegramLogin.js';

/** Checkout sessions one client address may start per minute. */
export const CHECKOUT_RATE_LIMIT_PER_MINUTE = 20;

export interface CheckoutRoutesOptions {
  /** Creates the payment at the provider (the payments adapter's, wired by the composition root). */
  startCheckout: StartCheckout;
  /** The packages the page offers. */
  packages: readonly CreditPackage[];
  /** Which card providers are configured: the page offers only those. */
  stripe: boolean;
  yookassa: boolean;
  /** Checks the Telegram Login Widget's hash. */
  botToken: string;
  /** The bot's @username without the @, for the widget (or how to learn it: getMe, once). */
  botUsername: string | (() => Promise<string>);
}

const CheckoutBodySchema = z.strictObject({
  auth: TelegramLoginSchema,
  packageId: z.enum(PACKAGE_IDS),
  provider: z.enum(['stripe', 'yookassa']),
  attemptId: z.uuid(),
  email: z.email().max(254).optional(),
});

const html = (reply: FastifyReply, body: string, csp?: string) => {
  if (csp) reply.header('content-security-policy', csp);
  return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
};

/**
 * `GET /checkout`: the page; `POST /checkout/session`: a verified Telegram login picks a package
 * and gets the provider's payment page; `GET /checkout/done|cancel`: where providers send the
 * user back.
 */
export const registerCheckoutRoutes = (app: FastifyInstance, options: CheckoutRoutesOptions): void => {
  let username: Promise<string> | undefined;
  const botUsername = (): Promise<string> => {
    const { botUsername: given } = options;
    username ??=
      typeof given === 'string'
        ? Promise.resolve(given)
        : given().catch((error: unknown) => {
            username = undefined; // ask again next time
            throw error;
          });
    return username;
  };
  app.get('/checkout', { schema: { hide: true } }, async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    return html(
      reply,
      checkoutPageHtml({
        botUsername: await botUsername(),
        packages: options.packages,
        stripe: options.stripe,
        yookassa: options.yookassa,
        nonce,
      }),
      checkoutPageCsp(nonce),
    );
  });
  app.get('/checkout/done', { schema: { hide: true } }, async (_request, reply) =>
    html(reply, checkoutReturnHtml('done')),
  );
  app.get('/checkout/cancel', { schema: { hide: true } }, async (_request, reply) =>
    html(reply, checkoutReturnHtml('cancel')),
  );

  app.post(
    '/checkout/session',
    {
      schema: { body: CheckoutBodySchema, hide: true },
      config: { rateLimit: { max: CHECKOUT_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const body = request.body as z.infer<typeof CheckoutBodySchema>;
      const login = verifyTelegramLogin(body.auth, options.botToken);
      if (!login.ok) throw new HttpError('unauthorized', `Telegram login refused: ${login.reason}`);
      try {
        const answer = await options.startCheckout({
          userId: login.userId,
          packageId: body.packageId,
          provider: body.provider,
          attemptId: body.attemptId,
          email: body.email,
        });
        return reply.code(200).send(answer);
      } catch (error) {
        if (error instanceof CheckoutUnavailable) {
          throw error.code === 'email_required'
            ? new HttpError('invalid_request', error.message)
            : new HttpError('feature_off', error.message);
        }
        if (!(error instanceof PaymentProviderError)) throw error;
        request.log.warn({ err: error, provider: body.provider }, 'checkout: provider call failed');
        // A registered code by failure domain, with the provider's own code as the rejection.
        const code = PROVIDER_FAILURE_CODES[PAYMENT_ERROR_CODES[error.code].domain];
        throw new HttpError(code, `${error.provider}: ${error.message}`, { rejection: error.code });
      }
    },
  );
};
