import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

/**
 * Blocks and returns. Telegram reports the user blocking the bot, and unblocking it,
 * as my_chat_member; nothing is answered to it (a blocked chat gets no more messages). Any
 * other update from the user means they are back too (/start after unblocking): the results
 * kept for them while they were away are sent before their update is handled.
 */
export const presenceHandlers = new Composer<BotContext>();

presenceHandlers.on('my_chat_member', async (ctx) => {
  const status = ctx.myChatMember.new_chat_member.status;
  if (status === 'kicked') await ctx.deps.presence.blocked(ctx.userId);
  else if (status === 'member') await ctx.deps.presence.returned(ctx.userId);
});

presenceHandlers.use(async (ctx, next) => {
  await ctx.deps.presence.returned(ctx.userId);
  await next();
});
