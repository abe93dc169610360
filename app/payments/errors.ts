import type { Provider } from '../../core/ledger/commands.js';

/**
 * Failures of a call to a payment provider, one class per failure domain. What the
 * caller does differs by domain:
 * - `ProviderRejected`: the provider answered "no" (4xx). Sending the same again will not help.
 * - `ProviderUnreachable`: the request was not carried out (connection refused, 429, 5xx). Safe to
 *   retry with the same idempotency key, which is what keeps a retry from paying twice.
 * - `OutcomeUnknown`: the request was sent and we lost sight of it (timeout, connection lost, an
 *   answer we cannot read). It may have happened: retry with the same idempotency key, or ask the
 *   provider, before doing anything else.
 * Every error has a stable `code` from `PAYMENT_ERROR_CODES`; the message is for people.
 */
export const PAYMENT_ERROR_CODES = {
  invalid_request: {
    domain: 'ProviderRejected',
    httpStatus: 502,
    meaning: 'the provider refused the request as invalid (400/404/409/422)',
  },
  unauthorized: { domain: 'ProviderRejected', httpStatus: 502, meaning: 'API key missing or wrong (401/403)' },
  not_found: { domain: 'ProviderRejected', httpStatus: 502, meaning: 'the provider has no such object (404)' },
  connection_failed: {
    domain: 'ProviderUnreachable',
    httpStatus: 503,
    meaning: 'could not connect; the request never reached the provider',
  },
  rate_limited: { domain: 'ProviderUnreachable', httpStatus: 503, meaning: '429 from the provider' },
  server_error: {
    domain: 'ProviderUnreachable',
    httpStatus: 503,
    meaning: '5xx from the provider; retry only with the same idempotency key',
  },
  timeout: {
    domain: 'OutcomeUnknown',
    httpStatus: 504,
    meaning: 'no answer within the time limit after the request was sent',
  },
  connection_lost: {
    domain: 'OutcomeUnknown',
    httpStatus: 504,
    meaning: 'the connection broke after the request was sent',
  },
  malformed_response: {
    domain: 'OutcomeUnknown',
    httpStatus: 502,
    meaning: 'an answer we cannot read; the call may have had its effect',
  },
} as const;

export type PaymentErrorCode = keyof typeof PAYMENT_ERROR_CODES;
type CodeOf<D extends string> = {
  [K in PaymentErrorCode]: (typeof PAYMENT_ERROR_CODES)[K]['domain'] extends D ? K : never;
}[PaymentErrorCode];

export interface PaymentErrorDetails {
  provider: Provider;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  cause?: unknown;
}

export abstract class PaymentProviderError extends Error {
  readonly provider: Provider;
  readonly status: number | undefined;
  abstract readonly code: PaymentErrorCode;
  constructor(message: string, details: PaymentErrorDetails) {
    super(message, { cause: details.cause });
    this.provider = details.provider;
    this.status = details.status;
  }
  /** Whether the same call may be sent again (with the same idempotency key). */
  get retryable(): boolean {
    return PAYMENT_ERROR_CODES[this.code].domain !== 'ProviderRejected';
  }
}

/** The provider said no. Do not resend unchanged. */
export class ProviderRejected extends PaymentProviderError {
  override readonly name = 'ProviderRejected';
  constructor(
    readonly code: CodeOf<'ProviderRejected'>,
    message: string,
    details: PaymentErrorDetails,
  ) {
    super(message, details);
  }
}

/** The request was never accepted. Safe to retry. */
export class ProviderUnreachable extends PaymentProviderError {
  override readonly name = 'ProviderUnreachable';
  constructor(
    readonly code: CodeOf<'ProviderUnreachable'>,
    message: string,
    details: PaymentErrorDetails,
  ) {
    super(message, details);
  }
}

/** It may have happened. Check (or retry with the same idempotency key) before anything else. */
export class OutcomeUnknown extends PaymentProviderError {
  override readonly name = 'OutcomeUnknown';
  constructor(
    readonly code: CodeOf<'OutcomeUnknown'>,
    message: string,
    details: PaymentErrorDetails,
  ) {
    super(message, details);
  }
}

/** Maps an HTTP status of a provider's answer to the error of its failure domain. */
export const errorForStatus = (status: number, message: string, details: PaymentErrorDetails): PaymentProviderError => {
  const withStatus = { ...details, status };
  if (status === 401 || status === 403) return new ProviderRejected('unauthorized', message, withStatus);
  if (status === 404) return new ProviderRejected('not_found', message, withStatus);
  if (status === 429) return new ProviderUnreachable('rate_limited', message, withStatus);
  if (status >= 500) return new ProviderUnreachable('server_error', message, withStatus);
  return new ProviderRejected('invalid_request', message, withStatus);
};
