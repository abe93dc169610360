import { isTelegramUserId } from '../ids/index.js';
import type { TelegramProfile } from './commands.js';
import {
  ID_MAX_LENGTH,
  MAX_AMOUNT_MINOR,
  MAX_CREDITS_PER_COMMAND,
  PROFILE_FIELD_MAX_LENGTH,
  TEXT_MAX_LENGTH,
} from './limits.js';

/**
 * Checks of command fields. Commands arrive from HTTP, webhooks and the bot, so a field may be of
 * any type at run time whatever TypeScript says: every check looks at the type first, and a bad
 * value becomes a rejection in `decide`, never an exception.
 */

// A calendar date, a time to at least the minute, and a zone. Four-digit years keep
// `occurredAt + ttlSeconds` inside the range of Date.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// Printable ASCII without spaces: provider ids (Stripe, YooKassa, Telegram charge ids) all fit.
const ID = /^[\x21-\x7e]+$/;

export const isInstant = (value: unknown): value is string =>
  typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value));

export const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= ID_MAX_LENGTH && ID.test(value);

/** The one definition of a Telegram user id (core/ids). */
export const isUserId = isTelegramUserId;

export const isCredits = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_CREDITS_PER_COMMAND;

export const isAmountMinor = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_AMOUNT_MINOR;

export const isDelta = (value: unknown): value is number =>
  Number.isSafeInteger(value) && value !== 0 && Math.abs(value as number) <= MAX_CREDITS_PER_COMMAND;

/** Free text that says something: not blank, not too long. */
export const isText = (value: unknown): value is string =>
  typeof value === 'string' && value.trim().length > 0 && value.length <= TEXT_MAX_LENGTH;

export const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (values as readonly string[]).includes(value);

const PROFILE_FIELDS = ['username', 'firstName', 'lastName', 'languageCode'] as const;

/** The profile with only its known fields, or undefined when one of them is not a short string. */
export const normalizedProfile = (value: unknown): TelegramProfile | undefined => {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) return undefined;
  const profile: TelegramProfile = {};
  for (const field of PROFILE_FIELDS) {
    const v = (value as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > PROFILE_FIELD_MAX_LENGTH) return undefined;
    profile[field] = v;
  }
  return profile;
};

/** `occurredAt + ttlSeconds` as an ISO instant (UTC). */
export const plusSeconds = (instant: string, seconds: number): string =>
  new Date(Date.parse(instant) + seconds * 1000).toISOString();

/** True when `instant` is at or after `deadline`. */
export const isAtOrAfter = (instant: string, deadline: string): boolean => Date.parse(instant) >= Date.parse(deadline);
