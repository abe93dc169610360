import { randomUUID } from 'node:crypto';
import { autoRetry, type AutoRetryOptions } from '@grammyjs/auto-retry';
import type { I18n } from '@grammyjs/i18n';
import { limit } from '@grammyjs/ratelimiter';
import { Bot, type Middleware } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { isTelegramUserIdNumber } from '../../core/ids/index.js';
import type { BotContext, BotDependencies } from './context.js';
import { TelegramFiles } from './files.js';
import { albumGate } from './handlers/albums.js';
import { fallbackHandlers } from './handlers/fallback.js';
import { idleTimeout } from './handlers/idle.js';
import { oneAnswerPerIntent } from './handlers/oneAnswer.js';
import { menuHandlers } from './handlers/menu.js';
import { buyHandlers, paymentHandlers } from './handlers/payments.js';
import { presenceHandlers } from './handlers/presence.js';
import { settingsHandlers } from './handlers/settings.js';
import { startHandlers } from './handlers/start.js';
import { stylistHandlers } from './handlers/stylist.js';
import { supportHandlers } from './handlers/support.js';
import { tryOnHandlers } from './handlers/tryOn.js';
import { createI18n, DEFAULT_LANGUAGE, languageOf } from './i18n.js';

export const DEFAULT_API_ROOT = 'https://api.telegram.org';

/** "100 requests/minute per user" (architecture document, Rate Limiting). */
export const RATE_LIMIT = { limit: 100, timeFrameMs: 60_000 } as const;

/**
 * Outgoing calls: Telegram's 429 (retry_after) and 5xx are retried a bounded number of times.
 * Network errors (HttpError) are not: the request may have reached Telegram, and sending a
 * message twice is worse than reporting that it may not have gone out.
 */
export const AUTO_RETRY: Partial<AutoRetryOptions> = {
  maxRetryAttempts: 3,
  maxDelaySeconds: 30,
  rethrowHttpErrors: true,
};

export interface BotOptions {
  token: string;
  /** TELEGRAM_API_ROOT: a local Bot API server, or a test server. */
  apiRoot?: string;
  /** Known bot identity; without it call `await bot.init()` before handling updates. */
  botInfo?: UserFromGetMe;
  deps: BotDependencies;
  rateLimit?: { limit: number; timeFrameMs: number };
  autoRetry?: Partial<AutoRetryOptions>;
  /** Shared with the notifier; one is made when not given. */
  i18n?: I18n<BotContext>;
}

/**
 * Payments must always get through: a pre-checkout query unanswered within 10 s fails the
 * payment, and a successful_payment is money already taken. They are not counted.
 */
const rateLimitKey = (ctx: BotContext): string | undefined =>
  ctx.preCheckoutQuery || ctx.message?.successful_payment || ctx.message?.refunded_payment
    ? undefined
    : ctx.from?.id.toString();

/** Builds the bot with its middleware; it handles whatever `handleUpdate` is given. */
export const createBot = (options: BotOptions): Bot<BotContext> => {
  const apiRoot = options.apiRoot ?? DEFAULT_API_ROOT;
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: { apiRoot },
  });
  bot.api.config.use(autoRetry({ ...AUTO_RETRY, ...options.autoRetry }));
  const i18n = options.i18n ?? createI18n();
  const files = new TelegramFiles(bot.api, options.token, apiRoot);
  const deps = { now: () => new Date(), newId: () => randomUUID(), ...options.deps };
  const rate = options.rateLimit ?? RATE_LIMIT;

  bot.use(
    limit<BotContext, never>({
      limit: rate.limit,
      timeFrame: rate.timeFrameMs,
      keyGenerator: rateLimitKey,
      // Told once per window; the rest of the flood is dropped without an answer.
      onLimitExceeded: (ctx) => {
        const language = languageOf(ctx.from?.language_code) ?? DEFAULT_LANGUAGE;
        ctx
          .reply(i18n.t(language, 'rate-limited'))
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'rate-limit notice failed'));
      },
    }) as Middleware<BotContext>,
  );

  bot.use(async (ctx, next) => {
    // Only people talking to the bot in private: no groups, channels or updates without a sender.
    if (!ctx.from || ctx.from.is_bot || (ctx.chat && ctx.chat.type !== 'private')) return;
    // Telegram's ids fit 52 bits (core/ids); any other sender is not a user we can keep an account for.
    if (!isTelegramUserIdNumber(ctx.from.id)) {
      deps.logger.warn(
        { updateId: ctx.update.update_id, fromId: String(ctx.from.id) },
        'update from an invalid user id dropped',
      );
      return;
    }
    ctx.deps = deps;
    ctx.files = files;
    ctx.i18nInstance = i18n;
    ctx.userId = String(ctx.from.id);
    ctx.occurredAt = deps.now().toISOString();
    ctx.sendingPrompt = false;
    ctx.chatState = await deps.chats.load(ctx.userId);
    await next();
  });
  bot.use(i18n);
  bot.use(paymentHandlers);
  bot.use(presenceHandlers);
  bot.use(albumGate);
  bot.use(idleTimeout);
  bot.use(oneAnswerPerIntent);
  bot.use(startHandlers, menuHandlers, buyHandlers, tryOnHandlers, stylistHandlers, settingsHandlers, supportHandlers);
  bot.use(fallbackHandlers);
  return bot;
};
