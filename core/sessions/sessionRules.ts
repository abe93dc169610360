import { isTelegramUserId } from '../ids/index.js';
import { IMAGE_MIME_TYPES, MAX_IMAGE_BYTES, type ImageMimeType } from './imageValidation.js';
import { isKeyOf, type ImageKind } from './imageKeys.js';

/**
 * What the try-on and stylist sessions share: limits, the rejection codes, the credit hold a
 * session asks for and how it is resolved, and the guards every command passes through.
 */

/** "30 minutes of inactivity returns to default" (architecture document, State Persistence). */
export const SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60;
/**
 * Lifetime asked of the credit hold. A worker's attempt reports do not reset the idle clock, so
 * the session accepts an outcome at most SESSION_IDLE_TIMEOUT_SECONDS after submission (when the
 * hold is taken); twice that leaves the orchestrator a whole idle window to capture before the
 * ledger would refuse a capture of an expired hold.
 */
export const PROCESSING_HOLD_TTL_SECONDS = 2 * SESSION_IDLE_TIMEOUT_SECONDS;
/** A worker retries an AI job at most this many times before it reports failure. */
export const MAX_PROCESSING_ATTEMPTS = 5;
/** Feature prices come from configuration; this only catches a configuration mistake. */
export const MAX_FEATURE_CREDITS = 1000;
/** 1 hour of AI time: anything longer is a worker bug, not a measurement. */
export const MAX_PROCESSING_MS = 60 * 60 * 1000;
/** 1 000 USD for one AI job is a pricing bug. */
export const MAX_JOB_COST_MICRO_USD = 1_000_000_000;

export type SessionRejection =
  | 'session_not_found'
  | 'invalid_session_id'
  | 'invalid_user_id'
  | 'session_already_exists'
  | 'wrong_state'
  | 'session_expired'
  | 'session_cancelled'
  | 'session_closed'
  | 'session_not_idle'
  | 'consent_required'
  | 'invalid_price'
  | 'invalid_image_key'
  | 'image_too_large'
  | 'image_corrupt'
  | 'unsupported_image_type'
  | 'image_already_provided'
  | 'invalid_attempt'
  | 'invalid_reason'
  | 'invalid_result'
  | 'outcome_already_recorded'
  | 'invalid_rating'
  | 'already_rated'
  | 'invalid_preferences'
  | 'preferences_already_provided'
  | 'invalid_shopping_links'
  | 'unknown_product';

/** The account feature a session spends credits on (`feature` of ReserveCredits). */
export type SessionFeature = 'tryon' | 'styling';

/** What the orchestrator needs to issue ReserveCredits on `account-<userId>`. */
export interface HoldRequest {
  userId: string;
  reservationId: string;
  credits: number;
  feature: SessionFeature;
  ttlSeconds: number;
}

export type HoldReleaseReason = 'ai_failed' | 'expired' | 'cancelled';

/**
 * How a session's hold ends; recorded exactly once per session that asked for one. `none`: the
 * ledger refused the reservation, so there is nothing to capture or release.
 */
export type HoldResolution =
  | { action: 'capture'; userId: string; reservationId: string; credits: number }
  | { action: 'release'; userId: string; reservationId: string; credits: number; reason: HoldReleaseReason }
  | { action: 'none'; userId: string; reservationId: string; reason: 'reservation_rejected' };

export const captureOf = (hold: HoldRequest): HoldResolution => ({
  action: 'capture',
  userId: hold.userId,
  reservationId: hold.reservationId,
  credits: hold.credits,
});

export const releaseOf = (hold: HoldRequest, reason: HoldReleaseReason): HoldResolution => ({
  action: 'release',
  userId: hold.userId,
  reservationId: hold.reservationId,
  credits: hold.credits,
  reason,
});

export const notReservedOf = (hold: HoldRequest): HoldResolution => ({
  action: 'none',
  userId: hold.userId,
  reservationId: hold.reservationId,
  reason: 'reservation_rejected',
});

/** The hold fields every session state keeps. */
export interface HoldState {
  hold: HoldRequest | null;
  holdResolution: HoldResolution | null;
}

export const holdIsOpen = (state: HoldState): state is HoldState & { hold: HoldRequest } =>
  state.hold !== null && state.holdResolution === null;

export type TerminalStatus = 'completed' | 'failed' | 'expired' | 'cancelled';
export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['completed', 'failed', 'expired', 'cancelled'];
export const isTerminal = (status: string): status is TerminalStatus =>
  (TERMINAL_STATUSES as readonly string[]).includes(status);

const terminalRejection = (status: TerminalStatus): SessionRejection => {
  switch (status) {
    case 'expired':
      return 'session_expired';
    case 'cancelled':
      return 'session_cancelled';
    case 'completed':
    case 'failed':
      return 'session_closed';
    default: {
      const _exhaustive: never = status;
      return _exhaustive;
    }
  }
};

const timeOf = (iso: string): number => {
  const ms = Date.parse(iso);
  // Times are stamped by our own code; a bad one is a bug upstream, not a user error.
  if (!Number.isFinite(ms)) throw new TypeError(`not an ISO 8601 time: ${JSON.stringify(iso)}`);
  return ms;
};

/** Whole seconds from `fromIso` to `toIso`, never negative (clocks of two machines may disagree). */
export const secondsBetween = (fromIso: string, toIso: string): number =>
  Math.max(0, Math.floor((timeOf(toIso) - timeOf(fromIso)) / 1000));

/** The later of two ISO times: activity never moves backwards. */
export const laterOf = (a: string, b: string): string => (timeOf(b) > timeOf(a) ? b : a);

export const isIdle = (lastActivityAt: string, now: string): boolean =>
  secondsBetween(lastActivityAt, now) >= SESSION_IDLE_TIMEOUT_SECONDS;

/**
 * The first gate of every command on a started session: a closed session refuses, and (unless
 * the command is a cancel or an expiry) so does one left idle too long, even if no sweeper has
 * run yet.
 */
export const guardOpen = (
  state: { status: string; lastActivityAt: string },
  occurredAt: string,
  options: { checkIdle: boolean },
): SessionRejection | null => {
  if (isTerminal(state.status)) return terminalRejection(state.status);
  if (options.checkIdle && isIdle(state.lastActivityAt, occurredAt)) return 'session_expired';
  return null;
};

export interface ImageInput {
  imageKey: string;
  mimeType: ImageMimeType;
  bytes: number;
}

export const sameImage = (a: ImageInput | null, b: ImageInput): boolean =>
  a !== null && a.imageKey === b.imageKey && a.mimeType === b.mimeType && a.bytes === b.bytes;

/** An upload the session accepts: already validated by the adapter, checked again here. */
export const checkImageInput = (
  image: ImageInput,
  expected: { kind: ImageKind; sessionId: string },
): SessionRejection | null => {
  if (!(IMAGE_MIME_TYPES as readonly string[]).includes(image.mimeType)) return 'unsupported_image_type';
  if (!Number.isSafeInteger(image.bytes) || image.bytes <= 0) return 'image_corrupt';
  if (image.bytes > MAX_IMAGE_BYTES) return 'image_too_large';
  const key = isKeyOf(image.imageKey, expected.kind, expected.sessionId);
  return key && key.mimeType === image.mimeType ? null : 'invalid_image_key';
};

/** A Telegram user id, as the account streams name it (`account-<userId>`). */
/** The one definition of a Telegram user id (core/ids). */
export const isUserId = (userId: string): boolean => isTelegramUserId(userId);

export const isValidPrice = (credits: number): boolean =>
  Number.isSafeInteger(credits) && credits > 0 && credits <= MAX_FEATURE_CREDITS;

/** Failure reasons are codes (`provider_unreachable`, `insufficient_credits`), never free text. */
export const isReasonCode = (reason: string): boolean => /^[a-z][a-z0-9_]{0,63}$/.test(reason);

export const isNonNegativeInt = (n: number, max: number): boolean => Number.isSafeInteger(n) && n >= 0 && n <= max;

/** Tokens the provider billed for one AI job (same shape as the AI adapters' TokenUsage). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  inputImageTokens: number;
  outputImageTokens: number;
}

/** What every AI result carries for the cost ledger. */
export interface AiReceipt {
  provider: string;
  model: string;
  usage: TokenUsage;
  costMicroUsd: number;
  processingMs: number;
}

const MAX_TOKENS = 100_000_000;

export const isValidReceipt = (r: AiReceipt): boolean =>
  /^[a-z][a-z0-9_-]{0,31}$/.test(r.provider) &&
  r.model.length > 0 &&
  r.model.length <= 100 &&
  isNonNegativeInt(r.costMicroUsd, MAX_JOB_COST_MICRO_USD) &&
  isNonNegativeInt(r.processingMs, MAX_PROCESSING_MS) &&
  [r.usage.inputTokens, r.usage.outputTokens, r.usage.inputImageTokens, r.usage.outputImageTokens].every((n) =>
    isNonNegativeInt(n, MAX_TOKENS),
  );
