/**
 * Every error code the HTTP API answers with, and its status: one registry, so a client can
 * switch on `code` and a test can check that every code is documented. Ledger and session
 * rejections map here too (see `statusForRejection`).
 */
export const HTTP_ERRORS = {
  invalid_request: { status: 400, description: 'The body, query or parameters do not match the schema.' },
  malformed_json: { status: 400, description: 'The body is not valid JSON.' },
  unsupported_media_type: { status: 415, description: 'The Content-Type is not accepted by this route.' },
  unauthorized: { status: 401, description: 'No valid bearer token (or webhook secret) was presented.' },
  forbidden: {
    status: 403,
    description: 'The token is valid but its role may not do this, or the caller is not allowed.',
  },
  not_found: { status: 404, description: 'No such route or resource.' },
  payload_too_large: { status: 413, description: 'The body is over the size limit.' },
  idempotency_key_reused: { status: 422, description: 'The Idempotency-Key was used before with a different body.' },
  idempotency_key_required: { status: 400, description: 'This route needs an Idempotency-Key header.' },
  rejected: { status: 409, description: 'The ledger or a session refused the command; `rejection` says why.' },
  payment_required: { status: 402, description: 'Not enough available credits for this feature.' },
  rate_limited: { status: 429, description: 'Too many requests for this user; retry after the Retry-After header.' },
  provider_rejected: {
    status: 502,
    description: 'The payment provider refused the request; sending it again unchanged will not help.',
  },
  provider_unreachable: {
    status: 503,
    description: 'The payment provider could not be reached; nothing happened there, retry later.',
  },
  provider_outcome_unknown: {
    status: 504,
    description: 'The payment provider did not answer in time: it may have acted; retry with the same Idempotency-Key.',
  },
  feature_off: { status: 503, description: 'The feature is not configured on this server (missing secrets).' },
  store_unavailable: { status: 503, description: 'The database or event store is unreachable; nothing was written.' },
  busy: { status: 503, description: 'A concurrent update kept conflicting; retry.' },
  internal: { status: 500, description: 'An unexpected error; it was logged with the request id.' },
  invalid_signature: { status: 400, description: 'A webhook signature did not verify (Stripe expects a 400).' },
  json_too_deep: { status: 400, description: 'The JSON body nests deeper than the limit (JSON_MAX_DEPTH).' },
  uri_too_long: { status: 414, description: 'A path parameter is longer than the server accepts.' },
  request_timeout: { status: 408, description: 'The request was not received completely in time.' },
  headers_too_large: { status: 431, description: 'The request headers are over the size limit.' },
  shutting_down: { status: 503, description: 'The server is stopping; retry on another instance or in a moment.' },
  invalid_user_id: {
    status: 400,
    description: 'A user id is not a Telegram user id (a decimal integer from 1 to 2^52); nothing was written.',
  },
  user_quarantined: {
    status: 503,
    description:
      "The user's account stream is quarantined (an event could not be projected); " +
      'their figures are not served until it is repaired.',
  },
  idempotency_key_in_progress: {
    status: 409,
    description: 'Another request with this Idempotency-Key is still running; retry with the same key shortly.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

export const isHttpErrorCode = (value: unknown): value is HttpErrorCode =>
  typeof value === 'string' && Object.hasOwn(HTTP_ERRORS, value);

/** A payment provider's failure domain (adapters/payments/errors.ts) as the code the API answers with. */
export const PROVIDER_FAILURE_CODES = {
  ProviderRejected: 'provider_rejected',
  ProviderUnreachable: 'provider_unreachable',
  OutcomeUnknown: 'provider_outcome_unknown',
} as const satisfies Record<string, HttpErrorCode>;

export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string; rejection?: string; details?: unknown; requestId?: string };
}

/** An error a route throws on purpose; the server's error handler turns it into the JSON body. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly extra: { rejection?: string; details?: unknown } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = HTTP_ERRORS[code].status;
  }
}

/** A ledger/session rejection as an HTTP error: money shortfalls are 402, the rest 409. */
export const rejectionError = (rejection: string, message = `rejected: ${rejection}`): HttpError =>
  new HttpError(rejection === 'insufficient_credits' ? 'payment_required' : 'rejected', message, { rejection });

export const errorBody = (
  code: HttpErrorCode,
  message: string,
  extra: Omit<HttpErrorBody['error'], 'code' | 'message'> = {},
): HttpErrorBody => ({
  error: { code, message, ...extra },
});
