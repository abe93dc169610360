import type { MiddlewareFn } from 'grammy';
import type { Message } from 'grammy/types';
import type { BotContext } from '../context.js';

/**
 * One answer per album: the first part handled answers for the whole album (`ctx.album`, in
 * album order), the other parts are dropped here. A part that came after its album was taken
 * goes on as a photo of its own. Runs before the idle check, so a dropped part changes nothing.
 */
export const albumGate: MiddlewareFn<BotContext> = async (ctx, next) => {
  const message = ctx.message;
  if (message?.media_group_id === undefined) return next();
  const part = message as Message & { media_group_id: string };
  const claim = await ctx.deps.albums.claim(String(message.chat.id), ctx.update.update_id, part);
  switch (claim.kind) {
    case 'owner':
      ctx.album = claim.parts;
      return next();
    case 'late':
      ctx.album = [message];
      return next();
    case 'taken':
      return;
    default: {
      const _exhaustive: never = claim;
      return _exhaustive;
    }
  }
};
