import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { showMainMenu } from './common.js';

/** Whatever no flow took: a message outside a flow gets the menu, a stale button a short note. */
export const fallbackHandlers = new Composer<BotContext>();

fallbackHandlers.on('callback_query', async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t('button-expired') }).catch(() => undefined);
});

fallbackHandlers.on('message', async (ctx) => {
  await showMainMenu(ctx, ctx.message.photo || ctx.message.document ? 'photo-outside-flow' : 'unknown-input');
});
