import type { ProviderName } from './aiPorts.js';

/**
 * Failures of an AI call, one class per failure domain (what to do next depends on it). What the caller should do
 * differs by domain, not by provider:
 * - `ProviderRejected`: the provider answered "no" (bad request, refused content, auth, quota).
 *   Sending the same thing again will not help; another provider may say yes. Nothing billed.
 * - `ProviderUnreachable`: we never got our request accepted (connection refused, or 429/5xx after
 *   our retries). Safe to try another provider.
 * - `OutcomeUnknown`: the request was sent and then we lost sight of it (timeout, connection lost,
 *   caller aborted). The provider may have produced, and billed, the result. Check before retrying.
 * - `MalformedResponse`: the provider answered 200 with something we cannot use. It was billed.
 * Every error has a stable `code` from `AI_ERROR_CODES`; the message is for people.
 */
export const AI_ERROR_CODES = {
  invalid_request: {
    domain: 'ProviderRejected',
    meaning: 'the provider refused the request as invalid (400/404/413/422)',
  },
  unauthorized: { domain: 'ProviderRejected', meaning: 'API key missing, wrong, or without access (401/403)' },
  quota_exceeded: {
    domain: 'ProviderRejected',
    meaning: 'billing quota used up; retrying will not help (429 insufficient_quota)',
  },
  image_refused: { domain: 'ProviderRejected', meaning: 'the safety system refused an input or output image' },
  content_refused: { domain: 'ProviderRejected', meaning: 'the model refused to answer (safety refusal in text)' },
  connection_failed: {
    domain: 'ProviderUnreachable',
    meaning: 'could not connect; the request never reached the provider',
  },
  rate_limited: { domain: 'ProviderUnreachable', meaning: '429 (or 408/409) after all retries' },
  server_error: { domain: 'ProviderUnreachable', meaning: '5xx after all retries' },
  timeout: { domain: 'OutcomeUnknown', meaning: 'no answer within the time limit after the request was sent' },
  connection_lost: { domain: 'OutcomeUnknown', meaning: 'the connection broke after the request was sent' },
  aborted: { domain: 'OutcomeUnknown', meaning: "the caller's signal aborted the call after it was sent" },
  malformed_json: { domain: 'MalformedResponse', meaning: '200 with a body that is not the JSON we expect' },
  invalid_output: { domain: 'MalformedResponse', meaning: 'structured output that fails our schema' },
  no_image: { domain: 'MalformedResponse', meaning: 'a try-on answer without an image, and no refusal given' },
  invalid_image: { domain: 'MalformedResponse', meaning: 'image bytes that are not PNG/JPEG/WebP, or too large' },
  all_providers_failed: { domain: 'AllProvidersFailed', meaning: 'every provider in the chain failed' },
  input_too_large: { domain: 'InvalidAiInput', meaning: 'an input image is over MAX_INPUT_IMAGE_BYTES' },
  unsupported_image: { domain: 'InvalidAiInput', meaning: 'an input image is empty or not PNG/JPEG/WebP' },
} as const;

export type AiErrorCode = keyof typeof AI_ERROR_CODES;
type CodeOf<D extends string> = {
  [K in AiErrorCode]: (typeof AI_ERROR_CODES)[K]['domain'] extends D ? K : never;
}[AiErrorCode];

export interface ProviderErrorDetails {
  provider: ProviderName;
  model: string;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  /** Requests sent for this call, retries included. */
  attempts?: number;
  cause?: unknown;
}

/** A failure of one provider call. */
export abstract class ProviderError extends Error {
  readonly provider: ProviderName;
  readonly model: string;
  readonly status: number | undefined;
  attempts: number;
  abstract readonly code: AiErrorCode;

  constructor(message: string, details: ProviderErrorDetails) {
    super(message, { cause: details.cause });
    this.provider = details.provider;
    this.model = details.model;
    this.status = details.status;
    this.attempts = details.attempts ?? 1;
  }
}

/** The provider said no. Do not resend; another provider may accept, or release the credits. */
export class ProviderRejected extends ProviderError {
  override readonly name = 'ProviderRejected';
  constructor(
    readonly code: CodeOf<'ProviderRejected'>,
    message: string,
    details: ProviderErrorDetails,
  ) {
    super(message, details);
  }
}

/** The request was never accepted. Safe to send elsewhere. */
export class ProviderUnreachable extends ProviderError {
  override readonly name = 'ProviderUnreachable';
  constructor(
    readonly code: CodeOf<'ProviderUnreachable'>,
    message: string,
    details: ProviderErrorDetails,
  ) {
    super(message, details);
  }
}

/** Sent, then lost: the provider may have done (and billed) the work. Check before retrying. */
export class OutcomeUnknown extends ProviderError {
  override readonly name = 'OutcomeUnknown';
  constructor(
    readonly code: CodeOf<'OutcomeUnknown'>,
    message: string,
    details: ProviderErrorDetails,
  ) {
    super(message, details);
  }
}

/** A 200 we cannot use. The provider billed it; retrying elsewhere is the caller's choice. */
export class MalformedResponse extends ProviderError {
  override readonly name = 'MalformedResponse';
  constructor(
    readonly code: CodeOf<'MalformedResponse'>,
    message: string,
    details: ProviderErrorDetails,
  ) {
    super(message, details);
  }
}

/** Our own input is unusable: no provider is asked. */
export class InvalidAiInput extends Error {
  override readonly name = 'InvalidAiInput';
  constructor(
    readonly code: CodeOf<'InvalidAiInput'>,
    message: string,
  ) {
    super(message);
  }
}

/** Every provider of the chain failed; `attempts` holds each failure in order. */
export class AllProvidersFailed extends Error {
  override readonly name = 'AllProvidersFailed';
  readonly code = 'all_providers_failed' as const;
  /** True if any attempt was `OutcomeUnknown` (only with `fallbackOnOutcomeUnknown`): it may be billed. */
  readonly mayHaveBilled: boolean;
  constructor(
    readonly operation: string,
    readonly attempts: readonly ProviderError[],
  ) {
    super(
      `${operation}: all providers failed: ` + attempts.map((e) => `${e.provider}/${e.model} ${e.code}`).join(', '),
    );
    this.mayHaveBilled = attempts.some((e) => e instanceof OutcomeUnknown);
  }
}

/** The domains a `ProviderError` belongs to, for metrics and logs. */
export const errorDomain = (error: ProviderError): string => AI_ERROR_CODES[error.code].domain;
