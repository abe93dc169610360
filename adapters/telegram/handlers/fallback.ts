import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { mainMenu } from '../keyboards.js';
import { sendPrompt } from './common.js';

/** Whatever no flow took: a message outside a flow gets the menu, a stale button a short note. */
export const fallbackHandlers = new Composer<BotContext>();

fallbackHandlers.on('callback_query', async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t('button-expired') }).catch(() => undefined);
});

fallbackHandlers.on('message', async (ctx) => {
  const textKey = ctx.message.photo || ctx.message.document ? 'photo-outside-flow' : 'unknown-input';
  await sendPrompt(ctx, textKey, ctx.t(textKey), { reply_markup: mainMenu(ctx.t) });
});
