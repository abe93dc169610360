import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../../core/backoff/index.js';
import { OutcomeUnknown, ProviderError, ProviderUnreachable } from '../../app/worker/aiErrors.js';
import type { ProviderName } from '../../app/worker/aiPorts.js';

/**
 * Our one retry policy for both SDKs (their own retries are switched off). Both SDKs retry a
 * timed-out request by default; for an image edit that means generating, and paying for, the
 * same try-on again while the first one may still be running. Here only failures where the
 * provider did not take the request are retried: connection refused, 429/408/409, 5xx.
 */
export interface RetryPolicy {
  /** Retries after the first request; total requests ≤ maxRetries + 1. */
  maxRetries: number;
  /** First backoff; doubles per retry, with full jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Ceiling on retries whatever the configuration says (every retry loop has a bound). */
export const MAX_RETRIES_LIMIT = 5;

/** The pause before retry `retry + 1` (retry 0 waits about the base). */
const retryDelayMs = (policy: RetryPolicy, retry: number): number =>
  backoffMs(retry + 1, { baseMs: policy.baseDelayMs, ceilingMs: policy.maxDelayMs, jitter: 'equal' }, Math.random());

/** Runs `attempt` until it succeeds, fails for good, or the retries run out. */
export const withRetries = async <T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> => {
  const maxRetries = Math.min(policy.maxRetries, MAX_RETRIES_LIMIT);
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ProviderError) error.attempts = retry + 1;
      if (!(error instanceof ProviderUnreachable) || retry >= maxRetries) throw error;
      try {
        await sleep(retryDelayMs(policy, retry), undefined, { signal });
      } catch {
        // Aborted while waiting: nothing is in flight, so the last failure stands.
        throw error;
      }
    }
  }
};

/** Error codes of Node/undici that can only happen before a request went out. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

const causeCodes = (error: unknown): string[] => {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    if (current instanceof AggregateError) {
      for (const inner of current.errors) codes.push(...causeCodes(inner));
    }
    current = current.cause;
  }
  return codes;
};

export interface CallContext {
  provider: ProviderName;
  model: string;
  /** The caller's own signal: its abort is `aborted`, not `timeout`. */
  callerSignal?: AbortSignal | undefined;
  /** Our per-call deadline. */
  deadline: AbortSignal;
}

/**
 * Classifies a failure that came with no HTTP answer. Anything that may have happened after the
 * request left (a reset, a closed socket, a timeout) is `OutcomeUnknown`: we cannot tell whether
 * the provider got the whole request, so we assume it may have done the work.
 */
export const classifyTransportError = (error: unknown, context: CallContext): ProviderError => {
  const details = { provider: context.provider, model: context.model, cause: error };
  if (context.callerSignal?.aborted) {
    return new OutcomeUnknown('aborted', `${context.provider}: aborted by caller`, details);
  }
  if (context.deadline.aborted) {
    return new OutcomeUnknown('timeout', `${context.provider}: no answer in time`, details);
  }
  const codes = causeCodes(error);
  if (codes.some((code) => NOT_SENT_CODES.has(code))) {
    return new ProviderUnreachable(
      'connection_failed',
      `${context.provider}: cannot connect (${codes.join(', ')})`,
      details,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/timed? ?out/i.test(message) || (error instanceof Error && error.name === 'AbortError')) {
    return new OutcomeUnknown('timeout', `${context.provider}: ${message}`, details);
  }
  return new OutcomeUnknown(
    'connection_lost',
    `${context.provider}: connection lost after sending (${codes.join(', ') || message})`,
    details,
  );
};

/** Status codes where the provider did not take the request and says to come back later. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/** A deadline for one request, joined with the caller's signal. */
export const callSignals = (
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): { deadline: AbortSignal; signal: AbortSignal } => {
  const deadline = AbortSignal.timeout(timeoutMs);
  return { deadline, signal: callerSignal ? AbortSignal.any([deadline, callerSignal]) : deadline };
};

export interface CallOptions extends Omit<CallContext, 'deadline'> {
  timeoutMs: number;
  retry: RetryPolicy;
  /** Maps whatever the SDK threw to one of our failure domains. */
  classify: (error: unknown, context: CallContext) => ProviderError;
}

/**
 * One provider call: a fresh deadline per request, the SDK's error mapped to a failure domain,
 * and retries only where the provider did not take the request.
 */
export const callProvider = <T>(options: CallOptions, send: (signal: AbortSignal) => Promise<T>): Promise<T> =>
  withRetries(
    options.retry,
    async () => {
      const { deadline, signal } = callSignals(options.timeoutMs, options.callerSignal);
      try {
        return await send(signal);
      } catch (error) {
        throw options.classify(error, { ...options, deadline });
      }
    },
    options.callerSignal,
  );
