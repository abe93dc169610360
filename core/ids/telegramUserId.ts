/**
 * The one definition of a Telegram user id, used by every entry point (service API, admin routes,
 * bot, webhooks, CLI) and by the ledger's own command path. Telegram documents user ids as
 * positive integers of at most 52 significant bits, so they fit a double and our `bigint`
 * columns exactly; anything wider (a 64-bit id, 2^63 that overflows `bigint`) is not a user of
 * ours, and letting one in once froze the ledger projection for everyone.
 */

/** The largest Telegram user id: Telegram says ids have at most 52 significant bits. */
export const TELEGRAM_USER_ID_MAX = 2 ** 52;

/** Decimal digits of TELEGRAM_USER_ID_MAX (4503599627370496). */
export const TELEGRAM_USER_ID_MAX_DIGITS = 16;

// Decimal, no sign, no leading zero, no spaces; the range is checked on the number.
const DECIMAL_ID = new RegExp(`^[1-9][0-9]{0,${TELEGRAM_USER_ID_MAX_DIGITS - 1}}$`);

/** What a user id must look like, for messages and documentation. */
export const TELEGRAM_USER_ID_RULE =
  `a Telegram user id: a decimal integer from 1 to ${TELEGRAM_USER_ID_MAX}, ` + 'no sign or leading zeros';

/** True for the canonical decimal string of a valid Telegram user id. */
export const isTelegramUserId = (value: unknown): value is string =>
  typeof value === 'string' && DECIMAL_ID.test(value) && Number(value) <= TELEGRAM_USER_ID_MAX;

/** True for a valid Telegram user id as a number (how the Bot API sends `from.id`). */
export const isTelegramUserIdNumber = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= TELEGRAM_USER_ID_MAX;

/**
 * The canonical decimal string of a user id given as a string or a number, or undefined when it
 * is not one. A number is accepted only when exact (a safe integer): `9223372036854775808` parsed
 * by JSON is already rounded, and must not become some other user's id.
 */
export const parseTelegramUserId = (value: unknown): string | undefined => {
  if (isTelegramUserIdNumber(value)) return String(value);
  return isTelegramUserId(value) ? value : undefined;
};
