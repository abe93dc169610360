import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the part of YooKassa API v3 we call, with the payloads it
 * really sends (yookassa.ru/developers/api: the Payment and Refund objects, the error object):
 *   POST /v3/payments (Idempotence-Key required), GET /v3/payments/:id, GET /v3/payments (list),
 *   POST /v3/refunds (Idempotence-Key required; a succeeded payment, up to what is left of it),
 *   GET /v3/refunds/:id, and GET /pay/:id standing in for YooKassa's payment page.
 * Helpers move a payment on (the customer pays, the shop refunds) and build the notifications
 * YooKassa would POST.
 */

export type YooKassaObject = Record<string, unknown> & { id: string };

export interface RecordedYooKassaRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** YooKassa's payment ids look like UUIDs with a fixed version nibble: "2419a771-000f-5000-9000-1edaf29243f2". */
const yookassaId = (): string => {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-000f-5000-9000-${hex.slice(20, 32)}`;
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
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

const error = (code: string, description: string, parameter?: string) => ({
  type: 'error',
  id: randomUUID(),
  code,
  description,
  ...(parameter ? { parameter } : {}),
});

export const yookassaNotification = (event: string, object: YooKassaObject) => ({
  type: 'notification',
  event,
  object,
});

export interface FakeYooKassa {
  url: string;
  shopId: string;
  secretKey: string;
  requests: RecordedYooKassaRequest[];
  payments: Map<string, YooKassaObject>;
  refunds: Map<string, YooKassaObject>;
  /** Creates a payment directly (as if made from elsewhere), e.g. for the reconciler. */
  addPayment(input: { amountValue: string; metadata: Record<string, string> }): YooKassaObject;
  /** The customer paid: succeeded, captured. */
  succeed(paymentId: string): YooKassaObject;
  /** The shop refunded this much (kopecks): a succeeded refund, and the payment's refunded_amount. */
  refund(paymentId: string, amountValue: string): YooKassaObject;
  close(): Promise<void>;
}

const createPayment = (url: string, body: Record<string, unknown>): YooKassaObject => {
  const id = yookassaId();
  return {
    id,
    status: 'pending',
    paid: false,
    amount: body.amount,
    description: body.description,
    recipient: { account_id: '100500', gateway_id: '100700' },
    created_at: new Date().toISOString(),
    confirmation: {
      type: 'redirect',
      return_url: (body.confirmation as { return_url: string }).return_url,
      confirmation_url: `${url}/pay/${id}`,
    },
    test: true,
    refundable: false,
    metadata: body.metadata ?? {},
  };
};

export const startFakeYooKassa = async (
  shopId = '100500',
  secretKey = 'test_fake_yookassa_secret',
): Promise<FakeYooKassa> => {
  const requests: RecordedYooKassaRequest[] = [];
  const payments = new Map<string, YooKassaObject>();
  const refunds = new Map<string, YooKassaObject>();
  const keys = new Map<string, { body: string; id: string }>();
  const refundKeys = new Map<string, { body: string; status: number; answer: unknown }>();
  let url = '';

  const post = (request: IncomingMessage, response: ServerResponse, text: string) => {
    const key = request.headers['idempotence-key'] as string | undefined;
    if (!key)
      return send(response, 400, error('invalid_request', 'Idempotence-Key header is missing', 'Idempotence-Key'));
    const body = JSON.parse(text) as Record<string, unknown>;
    const receipt = body.receipt as { customer?: { email?: string }; items?: unknown[] } | undefined;
    if (!receipt?.customer?.email || !receipt.items?.length)
      return send(response, 400, error('invalid_request', 'Receipt is missing or illegal', 'receipt'));
    const seen = keys.get(key);
    if (seen && seen.body !== text)
      return send(response, 400, error('invalid_request', 'Idempotence key duplicated', 'Idempotence-Key'));
    const payment = seen ? payments.get(seen.id)! : createPayment(url, body);
    payments.set(payment.id, payment);
    keys.set(key, { body: text, id: payment.id });
    return send(response, 200, payment);
  };

  const kopecks = (amount: unknown): number =>
    Math.round(Number((amount as { value?: string } | undefined)?.value ?? '0') * 100);
  const rubles = (minor: number): string => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

  /** A succeeded refund (YooKassa's Refund object), and the payment's refunded_amount grows by it. */
  const addRefund = (paymentId: string, amountValue: string, description?: string): YooKassaObject => {
    const payment = payments.get(paymentId);
    if (!payment) throw new Error(`no payment ${paymentId}`);
    const refundObject = {
      id: yookassaId(),
      payment_id: paymentId,
      status: 'succeeded',
      created_at: new Date().toISOString(),
      amount: { value: amountValue, currency: 'RUB' },
      description: description ?? 'Возврат',
    };
    refunds.set(refundObject.id, refundObject);
    payments.set(paymentId, {
      ...payment,
      refunded_amount: {
        value: rubles(kopecks(payment.refunded_amount) + kopecks(refundObject.amount)),
        currency: 'RUB',
      },
    });
    return refundObject;
  };

  const createRefund = (body: Record<string, unknown>): { status: number; answer: unknown } => {
    const payment = payments.get(String(body.payment_id));
    if (!payment) return { status: 404, answer: error('not_found', 'Payment not found or forbidden', 'payment_id') };
    const amount = body.amount as { value?: unknown; currency?: unknown } | undefined;
    if (
      typeof amount?.value !== 'string' ||
      !/^\d+(\.\d{1,2})?$/.test(amount.value) ||
      amount.currency !== (payment.amount as { currency: string }).currency
    ) {
      return { status: 400, answer: error('invalid_request', 'Invalid amount', 'amount') };
    }
    if (payment.status !== 'succeeded')
      return {
        status: 400,
        answer: error('invalid_request', 'Payment is not succeeded; it cannot be refunded', 'payment_id'),
      };
    const left = kopecks(payment.amount) - kopecks(payment.refunded_amount);
    if (kopecks(amount) <= 0 || kopecks(amount) > left)
      return {
        status: 400,
        answer: error('invalid_request', 'Refund amount exceeds the amount left on the payment', 'amount.value'),
      };
    return {
      status: 200,
      answer: addRefund(payment.id, amount.value, typeof body.description === 'string' ? body.description : undefined),
    };
  };

  const refundPost = (request: IncomingMessage, response: ServerResponse, text: string) => {
    const key = request.headers['idempotence-key'] as string | undefined;
    if (!key)
      return send(response, 400, error('invalid_request', 'Idempotence-Key header is missing', 'Idempotence-Key'));
    const seen = refundKeys.get(key);
    if (seen && seen.body !== text)
      return send(response, 400, error('invalid_request', 'Idempotence key duplicated', 'Idempotence-Key'));
    // YooKassa answers a repeated key with the first answer (within 24 hours).
    const answer = seen ?? { body: text, ...createRefund(JSON.parse(text) as Record<string, unknown>) };
    refundKeys.set(key, answer);
    return send(response, answer.status, answer.answer);
  };

  const list = (query: URLSearchParams) => {
    const gte = Date.parse(query.get('created_at.gte') ?? '1970-01-01T00:00:00Z');
    const status = query.get('status');
    const limit = Number(query.get('limit') ?? 10);
    const offset = Number(query.get('cursor') ?? 0);
    const all = [...payments.values()]
      .filter((p) => Date.parse(p.created_at as string) >= gte && (!status || p.status === status))
      .reverse();
    const items = all.slice(offset, offset + limit);
    return { type: 'list', items, ...(offset + limit < all.length ? { next_cursor: String(offset + limit) } : {}) };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const parsed = new URL(request.url ?? '/', 'http://localhost');
    const text = await readBody(request);
    requests.push({
      method: request.method ?? '',
      path: parsed.pathname + parsed.search,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    });
    if (parsed.pathname.startsWith('/pay/')) {
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(
        `<!doctype html><title>ЮKassa</title><h1 id="yookassa-checkout">Оплата ${parsed.pathname.slice(5)}</h1>`,
      );
    }
    const basic = `Basic ${Buffer.from(`${shopId}:${secretKey}`).toString('base64')}`;
    if (request.headers.authorization !== basic)
      return send(response, 401, error('invalid_credentials', 'Login or password is incorrect'));
    if (request.method === 'POST' && parsed.pathname === '/v3/payments') return post(request, response, text);
    if (request.method === 'POST' && parsed.pathname === '/v3/refunds') return refundPost(request, response, text);
    if (request.method === 'GET' && parsed.pathname === '/v3/payments')
      return send(response, 200, list(parsed.searchParams));
    const payment = /^\/v3\/payments\/([\w-]+)$/.exec(parsed.pathname);
    const refund = /^\/v3\/refunds\/([\w-]+)$/.exec(parsed.pathname);
    const found = payment ? payments.get(payment[1]!) : refund ? refunds.get(refund[1]!) : undefined;
    if (request.method === 'GET' && found) return send(response, 200, found);
    return send(response, 404, error('not_found', `Object not found: ${parsed.pathname}`));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((e: unknown) => send(response, 500, error('internal_server_error', String(e))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const update = (id: string, changes: Record<string, unknown>): YooKassaObject => {
    const current = payments.get(id);
    if (!current) throw new Error(`no payment ${id}`);
    const next = { ...current, ...changes };
    payments.set(id, next);
    return next;
  };

  return {
    url: `${url}/v3`,
    shopId,
    secretKey,
    requests,
    payments,
    refunds,
    addPayment: (input) => {
      const created = createPayment(url, {
        amount: { value: input.amountValue, currency: 'RUB' },
        description: 'Modera',
        metadata: input.metadata,
        confirmation: { return_url: 'https://example.com' },
      });
      payments.set(created.id, created);
      return created;
    },
    succeed: (id) => {
      const amount = payments.get(id)?.amount as { value: string; currency: string };
      return update(id, {
        status: 'succeeded',
        paid: true,
        refundable: true,
        captured_at: new Date().toISOString(),
        income_amount: { value: amount.value, currency: amount.currency },
        payment_method: {
          type: 'bank_card',
          id: yookassaId(),
          saved: false,
          title: 'Bank card *4444',
          card: {
            first6: '555555',
            last4: '4444',
            expiry_month: '07',
            expiry_year: '2030',
            card_type: 'MasterCard',
            issuer_country: 'RU',
          },
        },
        authorization_details: { rrn: '603668680243', auth_code: '000000', three_d_secure: { applied: true } },
      });
    },
    refund: (paymentId, amountValue) => addRefund(paymentId, amountValue),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
