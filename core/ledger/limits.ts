/**
 * Hard limits of the ledger, each with its unit. Configuration (`config.ts`) can tighten what the
 * business wants inside these; nothing can go past them.
 */

/** Credits one command may move. Far above any package; keeps every sum a safe integer. */
export const MAX_CREDITS_PER_COMMAND = 1_000_000;

/** Money one payment may carry, in minor units (10 billion in any currency's major unit). */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

/** Caller-made ids (paymentId, grantId, reservationId, adjustmentId): provider ids fit easily. */
export const ID_MAX_LENGTH = 128;

/** Free text (reasons, operator names). */
export const TEXT_MAX_LENGTH = 500;

/** One Telegram profile field. */
export const PROFILE_FIELD_MAX_LENGTH = 256;

/** Telegram user ids are positive integers of at most 52 bits: 16 digits (core/ids). */
export { TELEGRAM_USER_ID_MAX_DIGITS as USER_ID_MAX_DIGITS } from '../ids/index.js';

/** The shortest hold. */
export const MIN_HOLD_TTL_SECONDS = 1;

/** The longest hold the configuration may allow: one day (AI work takes minutes). */
export const HOLD_TTL_CEILING_SECONDS = 24 * 60 * 60;

/**
 * The most open holds the configuration may allow per account. The open holds live in the
 * account's snapshot core, so this bound is also what keeps that core small.
 */
export const OPEN_HOLDS_CEILING = 1_000;
