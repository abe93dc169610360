import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The Telegram Login Widget (core.telegram.org/widgets/login): Telegram hands the page the
 * user's id, names, photo, `auth_date` and a `hash`, an HMAC-SHA-256 of the other fields (sorted,
 * `key=value`, one per line) keyed with SHA-256(bot token). Only our bot's token makes a hash
 * that checks, so a page cannot claim another user's id.
 */

/** A login older than this is refused (Telegram's docs advise checking auth_date). */
export const TELEGRAM_LOGIN_MAX_AGE_SECONDS = 24 * 60 * 60;
/** Clock skew tolerated for an auth_date in the future. */
export const TELEGRAM_LOGIN_FUTURE_SKEW_SECONDS = 60;

const field = z.union([z.string().max(512), z.number().int().nonnegative()]);

/** What the widget hands the page: every field takes part in the hash, so unknown ones are kept. */
export const TelegramLoginSchema = z
  .record(z.string().regex(/^[a-z_]{1,32}$/), field)
  .refine((data) => Object.keys(data).length <= 16, { message: 'too many fields' });
export type TelegramLogin = z.infer<typeof TelegramLoginSchema>;

export type TelegramLoginCheck =
  { ok: true; userId: string } | { ok: false; reason: 'bad_hash' | 'expired' | 'malformed' };

/** The data-check-string of the widget's fields: all but `hash`, sorted, `key=value`, joined by newlines. */
export const dataCheckString = (data: TelegramLogin): string =>
  Object.keys(data)
    .filter((k) => k !== 'hash')
    .sort()
    .map((k) => `${k}=${String(data[k])}`)
    .join('\n');

/** The hash Telegram computes for these fields with this bot token. */
export const telegramLoginHash = (data: TelegramLogin, botToken: string): string => {
  const secret = createHash('sha256').update(botToken).digest();
  return createHmac('sha256', secret).update(dataCheckString(data)).digest('hex');
};

/** Checks a widget login: the hash, then its age. */
export const verifyTelegramLogin = (
  data: TelegramLogin,
  botToken: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): TelegramLoginCheck => {
  const { hash, id, auth_date: authDate } = data;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: 'malformed' };
  const userId = String(id ?? '');
  const authSeconds = Number(authDate);
  if (!/^[1-9]\d{0,19}$/.test(userId) || !Number.isSafeInteger(authSeconds)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(telegramLoginHash(data, botToken), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) return { ok: false, reason: 'bad_hash' };
  if (
    nowSeconds - authSeconds > TELEGRAM_LOGIN_MAX_AGE_SECONDS ||
    authSeconds - nowSeconds > TELEGRAM_LOGIN_FUTURE_SKEW_SECONDS
  ) {
    return { ok: false, reason: 'expired' };
  }
  return { ok: true, userId };
};
