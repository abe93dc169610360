import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { UNDELIVERED_RESULT_TTL_SECONDS } from '../deliveries.js';
import { backToMenu, CALLBACK, help } from '../keyboards.js';
import { acknowledge, leaveFlow, remember } from './common.js';

/** Help and /paysupport (which Telegram requires of bots that take Stars): how refunds work. */

const SECONDS_PER_DAY = 24 * 60 * 60;

export const showHelp = async (ctx: BotContext): Promise<void> => {
  const days = Math.round(UNDELIVERED_RESULT_TTL_SECONDS / SECONDS_PER_DAY);
  await ctx.reply(ctx.t('help-text', { tryon: ctx.deps.prices.tryon, styling: ctx.deps.prices.styling, days }), {
    reply_markup: help(ctx.t),
  });
};

export const supportHandlers = new Composer<BotContext>();

supportHandlers.command('paysupport', async (ctx) => {
  await leaveFlow(ctx);
  await ctx.reply(ctx.t('paysupport-text'), { reply_markup: help(ctx.t) });
});

supportHandlers.callbackQuery(CALLBACK.support, async (ctx) => {
  await acknowledge(ctx);
  const request = await ctx.deps.support.request(ctx.userId, 'refund', ctx.occurredAt);
  await remember(ctx, request);
  await ctx.reply(ctx.t('support-recorded', { requestId: request.requestId }), { reply_markup: backToMenu(ctx.t) });
});
