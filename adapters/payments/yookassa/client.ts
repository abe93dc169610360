import { z } from 'zod';
import {
  OutcomeUnknown,
  ProviderUnreachable,
  errorForStatus,
  type PaymentProviderError,
} from '../../../app/payments/errors.js';

/**
 * A small typed client for the YooKassa API v3, used instead of `@a2seven/yoo-checkout`: that
 * library hard-codes its base URL (no option points it at a proxy or a test server), sets no
 * timeout on its HTTP calls, and does not encode list filters. What we need is five calls.
 * Every POST takes our Idempotence-Key: never a fresh one per call (the client's default), so a retry after a
 * timeout cannot create a second payment.
 */

export const YOOKASSA_DEFAULT_API_URL = 'https://api.yookassa.ru/v3';
/** One call may take this long before its outcome is unknown. */
export const YOOKASSA_TIMEOUT_MS = 15_000;
/** YooKassa's limit on the Idempotence-Key header. */
export const YOOKASSA_IDEMPOTENCE_KEY_MAX_LENGTH = 64;
/** Payments per page of a list call (YooKassa's maximum). */
export const YOOKASSA_LIST_LIMIT = 100;

const amount = z.object({ value: z.string(), currency: z.string() });

export const YooKassaPaymentSchema = z.looseObject({
  id: z.string(),
  status: z.enum(['pending', 'waiting_for_capture', 'succeeded', 'canceled']),
  paid: z.boolean(),
  amount,
  refunded_amount: amount.optional(),
  created_at: z.string(),
  captured_at: z.string().optional(),
  test: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  confirmation: z.looseObject({ type: z.string(), confirmation_url: z.string().optional() }).optional(),
});
export type YooKassaPayment = z.infer<typeof YooKassaPaymentSchema>;

export const YooKassaRefundSchema = z.looseObject({
  id: z.string(),
  payment_id: z.string(),
  status: z.enum(['pending', 'succeeded', 'canceled']),
  amount,
  created_at: z.string(),
});
export type YooKassaRefund = z.infer<typeof YooKassaRefundSchema>;

const PaymentListSchema = z.looseObject({ items: z.array(YooKassaPaymentSchema), next_cursor: z.string().optional() });

export interface YooKassaReceiptItem {
  description: string;
  quantity: string;
  amount: { value: string; currency: string };
  vat_code: number;
  payment_subject: string;
  payment_mode: string;
}

export interface YooKassaCreatePayment {
  amount: { value: string; currency: 'RUB' };
  capture: true;
  confirmation: { type: 'redirect'; return_url: string };
  description: string;
  metadata: Record<string, string>;
  receipt: { customer: { email: string }; items: YooKassaReceiptItem[] };
}

/** A refund of (part of) a succeeded payment: POST /v3/refunds (yookassa.ru/developers/api#create_refund). */
export interface YooKassaCreateRefund {
  payment_id: string;
  amount: { value: string; currency: string };
  /** Shown to the shop in its account; YooKassa's limit is 250 characters. */
  description: string;
}

export interface YooKassaClientOptions {
  shopId: string;
  secretKey: string;
  /** `YOOKASSA_API_URL`: a proxy or test server; unset: https://api.yookassa.ru/v3. */
  apiUrl?: string | undefined;
  timeoutMs?: number;
}

export interface YooKassaClient {
  createPayment(payload: YooKassaCreatePayment, idempotenceKey: string): Promise<YooKassaPayment>;
  getPayment(paymentId: string): Promise<YooKassaPayment>;
  getRefund(refundId: string): Promise<YooKassaRefund>;
  /** Refunds (part of) a payment; the same Idempotence-Key answers the same refund. */
  createRefund(payload: YooKassaCreateRefund, idempotenceKey: string): Promise<YooKassaRefund>;
  /** One page of payments created at or after `createdGte`, newest first. */
  listPayments(filter: {
    status?: YooKassaPayment['status'];
    createdGte: string;
    cursor?: string;
  }): Promise<{ items: YooKassaPayment[]; nextCursor?: string }>;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const transportError = (error: unknown): PaymentProviderError => {
  const details = { provider: 'yookassa' as const, cause: error };
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new OutcomeUnknown('timeout', 'YooKassa did not answer in time', details);
  const code = ((error as Error).cause as { code?: string } | undefined)?.code;
  if (code && CONNECT_FAILURES.has(code))
    return new ProviderUnreachable('connection_failed', `cannot reach YooKassa: ${code}`, details);
  return new OutcomeUnknown('connection_lost', `YooKassa connection lost: ${(error as Error).message}`, details);
};

/** YooKassa makes a key of its own when none is sent; we never let it: a retry must carry the same key. */
const checkIdempotenceKey = (idempotenceKey: string): void => {
  if (idempotenceKey.length === 0 || idempotenceKey.length > YOOKASSA_IDEMPOTENCE_KEY_MAX_LENGTH) {
    throw new Error(`Idempotence-Key must be 1–${YOOKASSA_IDEMPOTENCE_KEY_MAX_LENGTH} characters`);
  }
};

/** The typed body of an answer, or the error its status or unexpected body means. */
const answerOf = <T>(schema: z.ZodType<T>, call: string, response: Response, text: string): T => {
  const { status } = response;
  if (!response.ok) {
    const description = (() => {
      try {
        return (JSON.parse(text) as { description?: string }).description;
      } catch {
        return undefined;
      }
    })();
    throw errorForStatus(status, `YooKassa ${call}: ${status} ${description ?? text.slice(0, 200)}`, {
      provider: 'yookassa',
    });
  }
  const parsed = (() => {
    try {
      return schema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
  })();
  if (!parsed?.success)
    throw new OutcomeUnknown('malformed_response', `YooKassa ${call}: unexpected answer`, {
      provider: 'yookassa',
      status,
    });
  return parsed.data;
};

/** A YooKassa API client on fetch, with a timeout per call and typed answers. */
export const createYooKassaClient = (options: YooKassaClientOptions): YooKassaClient => {
  const base = (options.apiUrl ?? YOOKASSA_DEFAULT_API_URL).replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${options.shopId}:${options.secretKey}`).toString('base64')}`;
  const timeoutMs = options.timeoutMs ?? YOOKASSA_TIMEOUT_MS;

  const call = async <T>(
    schema: z.ZodType<T>,
    path: string,
    init: { method: 'GET' | 'POST'; body?: unknown; idempotenceKey?: string },
  ): Promise<T> => {
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.idempotenceKey) headers['idempotence-key'] = init.idempotenceKey;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        method: init.method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error);
    }
    return answerOf(schema, `${init.method} ${path}`, response, text);
  };

  return {
    createPayment: (payload, idempotenceKey) => {
      checkIdempotenceKey(idempotenceKey);
      return call(YooKassaPaymentSchema, '/payments', { method: 'POST', body: payload, idempotenceKey });
    },
    createRefund: (payload, idempotenceKey) => {
      checkIdempotenceKey(idempotenceKey);
      return call(YooKassaRefundSchema, '/refunds', { method: 'POST', body: payload, idempotenceKey });
    },
    getPayment: (paymentId) =>
      call(YooKassaPaymentSchema, `/payments/${encodeURIComponent(paymentId)}`, { method: 'GET' }),
    getRefund: (refundId) => call(YooKassaRefundSchema, `/refunds/${encodeURIComponent(refundId)}`, { method: 'GET' }),
    listPayments: async (filter) => {
      const query = new URLSearchParams({ 'created_at.gte': filter.createdGte, limit: String(YOOKASSA_LIST_LIMIT) });
      if (filter.status) query.set('status', filter.status);
      if (filter.cursor) query.set('cursor', filter.cursor);
      const page = await call(PaymentListSchema, `/payments?${query.toString()}`, { method: 'GET' });
      return { items: page.items, ...(page.next_cursor ? { nextCursor: page.next_cursor } : {}) };
    },
  };
};
