import t from 'tap';
import type { Test } from 'tap';
import { HTTP_ERRORS, isHttpErrorCode, type HttpErrorCode } from '../../adapters/http/errors.js';
import { BODY_LIMIT_BYTES, registeredRoutes, type RegisteredRoute } from '../../adapters/http/server.js';
import { paymentRoutes } from '../../adapters/http/payments/routes.js';
import { startCheckout } from '../../adapters/payments/checkout.js';
import { stripeDeliveryCheck, yookassaDeliveryCheck } from '../../adapters/payments/webhookChecks.js';
import { postgresPaymentInbox } from '../../adapters/postgres/paymentsInbox.js';
import { ipAllowlist } from '../../adapters/payments/yookassa/ipAllowlist.js';
import { ImageNotFound } from '../../adapters/storage/index.js';
import { SECRET_HEADER, telegramWebhookRoutes } from '../../adapters/telegram/routes.js';
import { defaultLedgerConfig } from '../../core/ledger/index.js';
import { filesRoute } from '../../adapters/http/filesRoute.js';
import { localFiles } from '../../scripts/localFiles.js';
import { bearer, FINANCE_TOKEN, httpApi, SERVICE_TOKEN, SUPPORT_TOKEN } from '../support/httpApi.js';

/**
 * Walks every route the server registers (read from the server, so a route added later is walked
 * too) with malformed and hostile input, and checks the classes of answer it may give:
 * - one error shape: `{ error: { code, message } }`, a registered code, exactly its status, never 500;
 * - auth before validation: a protected route refuses a caller without credentials whatever the body;
 * - nesting limit: a body nested 200 000 levels deep is a 400 before anything walks it.
 */

const TELEGRAM_SECRET = 'telegram-secret-0123456789';
const YOOKASSA_ADDRESS = '203.0.113.7';

type Credentials = { headers?: Record<string, string>; remoteAddress?: string };
interface Guard {
  /** What a caller without credentials gets, whatever it sends. */
  refused: HttpErrorCode;
  /** Credentials that pass the guard (Stripe's are a signature over the body: none here). */
  credentials?: Credentials;
}

/** Every protected route, by path: a new route must be listed here or under PUBLIC_ROUTES. */
const GUARDS: Array<[RegExp, Guard]> = [
  [/^\/api\/v1\//, { refused: 'unauthorized', credentials: { headers: bearer(SERVICE_TOKEN) } }],
  [/^\/admin\/users\//, { refused: 'unauthorized', credentials: { headers: bearer(SUPPORT_TOKEN) } }],
  [/^\/admin\/(finance|projections)\//, { refused: 'unauthorized', credentials: { headers: bearer(FINANCE_TOKEN) } }],
  [
    /^\/webhook\/telegram$/,
    {
      refused: 'unauthorized',
      credentials: { headers: { [SECRET_HEADER]: TELEGRAM_SECRET } },
    },
  ],
  [/^\/webhook\/stripe$/, { refused: 'invalid_signature' }],
  [/^\/webhook\/yookassa$/, { refused: 'forbidden', credentials: { remoteAddress: YOOKASSA_ADDRESS } }],
];
const PUBLIC_ROUTES = new Set([
  'GET /health',
  'GET /metrics',
  'GET /docs/json',
  'GET /checkout',
  'GET /checkout/done',
  'GET /checkout/cancel',
  'POST /checkout/session',
  'GET /files/*',
]);

const guardOf = (route: RegisteredRoute): Guard | undefined => GUARDS.find(([pattern]) => pattern.test(route.url))?.[1];

/** A concrete path for a route pattern: valid values for its parameters. */
const pathOf = (url: string): string =>
  url
    .replace(/:userId/g, '1')
    .replace(/:sessionId/g, 's-1')
    .replace(/:reservationId/g, 'r-1')
    .replace(/\*$/, 'x');

/**
 * A body nested `depth` arrays deep: 100 000 levels stay under the webhooks' size limit, yet overflow a recursive
 * walk.
 */
const nested = (depth: number): string => `{"update_id":1,"message":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const DEEP = 100_000;

type Answer = { statusCode: number; body: string };

/** The one error shape, a registered code with exactly its status, and no 500 from bad input. */
const checkShape = (t: Test, name: string, answer: Answer): HttpErrorCode | undefined => {
  if (answer.statusCode < 400) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    t.fail(`${name}: ${answer.statusCode} with a body that is not JSON: ${answer.body.slice(0, 80)}`);
    return undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  const ok =
    Object.keys(body as object).join() === 'error' &&
    typeof error?.message === 'string' &&
    isHttpErrorCode(error.code) &&
    HTTP_ERRORS[error.code].status === answer.statusCode &&
    answer.statusCode !== 500;
  t.ok(ok, `${name}: ${answer.statusCode} ${answer.body.slice(0, 120)}`);
  return ok ? (error!.code as HttpErrorCode) : undefined;
};

const setup = (t: Test) =>
  httpApi(t, {
    plugins: ({ pool }) => [
      paymentRoutes({
        inbox: postgresPaymentInbox(pool),
        stripe: stripeDeliveryCheck('whsec_route_walk_0000000000'),
        yookassa: yookassaDeliveryCheck(ipAllowlist(['203.0.113.0/24'])),
        checkout: {
          startCheckout: (request) =>
            startCheckout({ ledgerConfig: defaultLedgerConfig, publicBaseUrl: 'https://modera.test' }, request),
          packages: defaultLedgerConfig.packages,
          stripe: false,
          yookassa: false,
          botToken: '1:test',
          botUsername: 'modera_test_bot',
        },
      }),
      // Records the update as the bot's does (serialised into the inbox): a walk over the whole body.
      telegramWebhookRoutes({
        secretToken: TELEGRAM_SECRET,
        accept: async (update) => (JSON.stringify(update), 'new'),
      }),
      filesRoute(
        localFiles({
          localFilesSecret: 'files-secret-0123456789',
          images: {
            get: async (key: string) => {
              throw new ImageNotFound(key);
            },
          } as never,
        }),
      ),
    ],
  });

t.test('every route is either protected or known to be public', async (t) => {
  const { app } = await setup(t);
  const routes = registeredRoutes(app);
  t.ok(routes.length >= 25, `${routes.length} routes`);
  for (const route of routes) {
    const name = `${route.method} ${route.url}`;
    t.ok(guardOf(route) !== undefined || PUBLIC_ROUTES.has(name), `${name} is protected or known to be public`);
  }
});

t.test('without credentials, every protected route refuses first, whatever the body or query', async (t) => {
  const { app } = await setup(t);
  const bodies: Array<[string, string]> = [
    ['{}', '{}'],
    ['broken JSON', '{"user_id":'],
    ['nested 100 000 deep', nested(DEEP)],
  ];
  const json = { 'content-type': 'application/json' };
  for (const route of registeredRoutes(app)) {
    const guard = guardOf(route);
    const url = pathOf(route.url);
    const requests =
      route.method === 'GET'
        ? [['a bad query', { method: 'GET' as const, url: `${url}?asOf=2024-02-30&bogus=1` }] as const]
        : bodies.map(
            ([name, payload]) => [name, { method: route.method as 'POST', url, payload, headers: json }] as const,
          );
    for (const [what, request] of requests) {
      const answer = await app.inject(request);
      const name = `${route.method} ${route.url}, no credentials, ${what}`;
      const code = checkShape(t, name, answer);
      if (guard) t.equal(code, guard.refused, `${name}: ${guard.refused}`);
    }
  }
});

t.test('with credentials: malformed, too deep, too large, wrong type: each a registered 4xx', async (t) => {
  const { app } = await setup(t);
  for (const route of registeredRoutes(app)) {
    const guard = guardOf(route);
    const credentials = guard?.credentials ?? {};
    const url = pathOf(route.url);
    const send = (payload: string, contentType = 'application/json') =>
      app.inject({
        method: route.method as 'POST',
        url,
        payload,
        ...credentials,
        headers: { ...credentials.headers, 'content-type': contentType },
      });
    const name = `${route.method} ${route.url}`;
    if (route.method === 'GET') {
      const answer = await app.inject({ method: 'GET', url: `${url}?asOf=2024-02-30&bogus=1`, ...credentials });
      checkShape(t, `${name}, a bad query`, answer);
      continue;
    }
    const expect = async (what: string, answer: Answer, code: HttpErrorCode) => {
      const got = checkShape(t, `${name}, ${what}`, answer);
      // Stripe checks its signature over the raw bytes before anything else: nothing passes it here.
      if (guard?.credentials || !guard) t.equal(got, code, `${name}, ${what}: ${code}`);
    };
    await expect('broken JSON', await send('{"user_id":'), 'malformed_json');
    await expect('nested 100 000 deep', await send(nested(DEEP)), 'json_too_deep');
    const large = JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) });
    await expect('over the size limit', await send(large), 'payload_too_large');
    checkShape(t, `${name}, XML`, await send('<credits>5</credits>', 'application/xml'));
    checkShape(t, `${name}, {}`, await send('{}'));
  }
});

t.test(
  'reproduction 5: a Telegram update 200 000 levels deep, with the right secret, is a 400, not a 500',
  async (t) => {
    const { app } = await setup(t);
    const answer = await app.inject({
      method: 'POST',
      url: '/webhook/telegram',
      payload: nested(200_000),
      headers: { [SECRET_HEADER]: TELEGRAM_SECRET, 'content-type': 'application/json' },
    });
    t.equal(checkShape(t, 'deep update', answer), 'json_too_deep');
    const wrongSecret = await app.inject({
      method: 'POST',
      url: '/webhook/telegram',
      payload: '{"update_id":1}',
      headers: { 'content-type': 'application/json' },
    });
    t.equal(wrongSecret.statusCode, 401);
    const shape = { error: { code: 'unauthorized', message: /secret/ } };
    t.match(wrongSecret.json(), shape, 'the registry shape, not {"error":"unauthorized"}');
  },
);

t.test('reproduction 6: POST /api/v1/credits/use, no token, {}: 401, not a 400 listing the schema', async (t) => {
  const { app } = await setup(t);
  const answer = await app.inject({
    method: 'POST',
    url: '/api/v1/credits/use',
    payload: '{}',
    headers: { 'content-type': 'application/json' },
  });
  t.equal(answer.statusCode, 401);
  t.match(answer.json(), { error: { code: 'unauthorized' } });
  t.notMatch(answer.body, /user_id|credits_amount/, 'nothing of the schema');
});

t.test(
  "Fastify's own refusals: bad URL, unknown route or method, over-long parameter, prototype poisoning",
  async (t) => {
    const { app } = await setup(t);
    const cases: Array<[string, HttpErrorCode]> = [
      ['/api/v1/credits/balance/%E0%A4%A', 'invalid_request'],
      ['/admin/users/%zz/timeline', 'invalid_request'],
      ['/no/such/route', 'not_found'],
      [`/api/v1/credits/balance/${'9'.repeat(200)}`, 'uri_too_long'],
    ];
    for (const [url, code] of cases) {
      const answer = await app.inject({ method: 'GET', url, headers: bearer(SERVICE_TOKEN) });
      t.equal(checkShape(t, url, answer), code, `${url.slice(0, 60)}: ${code}`);
    }
    const poisoned = await app.inject({
      method: 'POST',
      url: '/api/v1/credits/use',
      payload: '{"__proto__":{"credits_amount":1}}',
      headers: { ...bearer(SERVICE_TOKEN), 'content-type': 'application/json', 'idempotency-key': 'k-1' },
    });
    t.equal(checkShape(t, 'prototype poisoning', poisoned), 'malformed_json');
    const deleted = await app.inject({ method: 'DELETE', url: '/api/v1/credits/use', headers: bearer(SERVICE_TOKEN) });
    t.equal(checkShape(t, 'a method the route does not take', deleted), 'not_found');
  },
);
