import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkoutSession, paidSession, refund as refundObject, stripeId } from './stripePayloads.js';

/**
 * A local HTTP server that speaks the part of Stripe's API we call, for tests that drive the real
 * `stripe` SDK at it (`STRIPE_API_URL`):
 *   POST /v1/checkout/sessions        (form-encoded, with Idempotency-Key semantics)
 *   GET  /v1/checkout/sessions        (list: created[gte], status, limit, starting_after)
 *   GET  /v1/checkout/sessions/:id
 *   POST /v1/refunds                  (payment_intent of a paid session, amount; Idempotency-Key)
 *   GET  /pay/:id                     (stands in for Stripe's hosted payment page)
 * Every request is recorded with its parsed form, so a test can check what the SDK sent.
 */

export interface RecordedStripeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: Record<string, unknown>;
}

/** Parses `a[b][0][c]=v&…` (Stripe's form encoding) into nested objects; numeric keys make arrays. */
export const parseStripeForm = (body: string): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  const arrays = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value).map(([k, v]) => [k, arrays(v)] as const);
    return entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))
      ? entries.map(([, v]) => v)
      : Object.fromEntries(entries);
  };
  return arrays(root) as Record<string, unknown>;
};

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });

const send = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': stripeId('req') });
  response.end(JSON.stringify(body));
};

const stripeError = (type: string, message: string, extra: { code?: string; param?: string } = {}) => ({
  error: { type, message, ...extra },
});

export interface FakeStripe {
  url: string;
  secretKey: string;
  requests: RecordedStripeRequest[];
  sessions: Map<string, Record<string, unknown>>;
  /** Refunds made through POST /v1/refunds, by id. */
  refunds: Map<string, Record<string, unknown>>;
  /** The customer pays: the stored session becomes complete and paid (or unpaid, for async methods). */
  pay(sessionId: string, options?: { paymentStatus?: 'paid' | 'unpaid' }): Record<string, unknown>;
  /** Makes POST /v1/checkout/sessions answer this status once (e.g. 500). */
  failNextCreate(status: number): void;
  close(): Promise<void>;
}

export const startFakeStripe = async (secretKey = 'sk_test_fake_0123456789'): Promise<FakeStripe> => {
  const requests: RecordedStripeRequest[] = [];
  const sessions = new Map<string, Record<string, unknown>>();
  const refunds = new Map<string, Record<string, unknown>>();
  const idempotency = new Map<string, { path: string; body: string; response: Record<string, unknown> }>();
  const failures: number[] = [];
  let url = '';

  const createSession = (form: Record<string, unknown>): Record<string, unknown> => {
    const lineItems = form.line_items as Array<{ price_data: { unit_amount: string; currency: string } }>;
    const metadata = (form.metadata ?? {}) as Record<string, string>;
    const id = stripeId('cs_test');
    const session = {
      ...checkoutSession({
        id,
        userId: (form.client_reference_id as string | undefined) ?? null,
        packageId: metadata.packageId ?? '',
        amountTotal: Number(lineItems[0]?.price_data.unit_amount),
        currency: lineItems[0]?.price_data.currency,
        url: `${url}/pay/${id}`,
        successUrl: form.success_url as string,
        cancelUrl: form.cancel_url as string,
      }),
      metadata,
    };
    sessions.set(id, session);
    return session;
  };

  /** A refund of a paid session's PaymentIntent, or Stripe's 400 when it cannot be made. */
  const createRefund = (form: Record<string, unknown>): { status: number; body: Record<string, unknown> } => {
    const paymentIntent = form.payment_intent as string | undefined;
    const session = [...sessions.values()].find(
      (s) => paymentIntent !== undefined && s.payment_intent === paymentIntent,
    );
    if (!session || paymentIntent === undefined) {
      return {
        status: 400,
        body: stripeError('invalid_request_error', `No such payment_intent: '${paymentIntent}'`, {
          code: 'resource_missing',
          param: 'payment_intent',
        }),
      };
    }
    const total = session.amount_total as number;
    const refunded = [...refunds.values()]
      .filter((r) => r.payment_intent === paymentIntent)
      .reduce((sum, r) => sum + (r.amount as number), 0);
    const amount = form.amount === undefined ? total - refunded : Number(form.amount);
    if (refunded >= total) {
      return {
        status: 400,
        body: stripeError(
          'invalid_request_error',
          `Charge ${paymentIntent.replace(/^pi_/, 'ch_')} has already been refunded.`,
          { code: 'charge_already_refunded' },
        ),
      };
    }
    if (!Number.isInteger(amount) || amount <= 0 || amount > total - refunded) {
      return {
        status: 400,
        body: stripeError(
          'invalid_request_error',
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${total - refunded})`,
          { code: 'amount_too_large', param: 'amount' },
        ),
      };
    }
    const created = {
      ...refundObject({ paymentIntent, amount, currency: session.currency as string }),
      metadata: form.metadata ?? {},
    };
    refunds.set(created.id, created);
    return { status: 200, body: created };
  };

  const list = (query: URLSearchParams) => {
    const gte = Number(query.get('created[gte]') ?? 0);
    const status = query.get('status');
    const limit = Number(query.get('limit') ?? 10);
    let all = [...sessions.values()]
      .filter((s) => (s.created as number) >= gte && (!status || s.status === status))
      .reverse();
    const after = query.get('starting_after');
    if (after) all = all.slice(all.findIndex((s) => s.id === after) + 1);
    return { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: '/v1/checkout/sessions' };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const parsed = new URL(request.url ?? '/', 'http://localhost');
    const body = await readBody(request);
    const form = request.method === 'POST' ? parseStripeForm(body) : Object.fromEntries(parsed.searchParams);
    requests.push({ method: request.method ?? '', path: parsed.pathname, headers: request.headers, form });
    const pay = /^\/pay\/(cs_[\w]+)$/.exec(parsed.pathname);
    if (pay) {
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(
        `<!doctype html><title>Stripe Checkout</title><h1 id="stripe-checkout">Pay for ${pay[1]}</h1>`,
      );
    }
    if (request.headers.authorization !== `Bearer ${secretKey}`) {
      return send(response, 401, stripeError('invalid_request_error', 'Invalid API Key provided'));
    }
    if (request.method === 'POST' && parsed.pathname === '/v1/checkout/sessions') {
      const failure = failures.shift();
      if (failure) return send(response, failure, stripeError('api_error', 'Something went wrong'));
      const key = request.headers['idempotency-key'] as string | undefined;
      const seen = key ? idempotency.get(key) : undefined;
      if (seen && (seen.body !== body || seen.path !== parsed.pathname)) {
        return send(
          response,
          400,
          stripeError(
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          ),
        );
      }
      const session = seen?.response ?? createSession(form);
      if (key && !seen) idempotency.set(key, { path: parsed.pathname, body, response: session });
      return send(response, 200, sessions.get(session.id as string));
    }
    if (request.method === 'POST' && parsed.pathname === '/v1/refunds') {
      // Stripe keeps the first answer to a key (errors included, except 5xx) and replays it.
      const key = request.headers['idempotency-key'] as string | undefined;
      const seen = key ? idempotency.get(key) : undefined;
      if (seen && (seen.body !== body || seen.path !== parsed.pathname)) {
        return send(
          response,
          400,
          stripeError(
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          ),
        );
      }
      const answer = seen ? (seen.response as { status: number; body: Record<string, unknown> }) : createRefund(form);
      if (key && !seen) idempotency.set(key, { path: parsed.pathname, body, response: answer });
      return send(response, answer.status, answer.body);
    }
    if (request.method === 'GET' && parsed.pathname === '/v1/checkout/sessions')
      return send(response, 200, list(parsed.searchParams));
    const one = /^\/v1\/checkout\/sessions\/([\w]+)$/.exec(parsed.pathname);
    if (request.method === 'GET' && one) {
      const session = sessions.get(one[1]!);
      return session
        ? send(response, 200, session)
        : send(response, 404, stripeError('invalid_request_error', `No such checkout.session: '${one[1]}'`));
    }
    return send(
      response,
      404,
      stripeError('invalid_request_error', `Unrecognized request URL (${request.method}: ${parsed.pathname})`),
    );
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, stripeError('api_error', String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    secretKey,
    requests,
    sessions,
    refunds,
    pay: (sessionId, options = {}) => {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      const paid = paidSession(session, stripeId('pi'), options.paymentStatus);
      sessions.set(sessionId, paid);
      return paid;
    },
    failNextCreate: (status) => failures.push(status),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
