import type { MiddlewareFn } from 'grammy';
import { SESSION_IDLE_TIMEOUT_SECONDS } from '../../../core/sessions/index.js';
import type { BotContext } from '../context.js';
import { languageOf } from '../i18n.js';
import { mainMenu } from '../keyboards.js';
import { actorOf } from './common.js';

/** Rejections meaning the session is over already: the chat must not point at it any more. */
const ALREADY_OVER = new Set(['session_expired', 'session_closed', 'session_cancelled', 'session_not_found']);

const isIdle = (ctx: BotContext, now: Date): boolean =>
  ctx.chatState.known &&
  ctx.chatState.flow !== 'menu' &&
  now.getTime() - ctx.chatState.lastActivityAt.getTime() >= SESSION_IDLE_TIMEOUT_SECONDS * 1000;

/**
 * 30 minutes of silence in a flow returns the user to the menu and releases any hold. The
 * sessions' sweeper does it on its own clock; this does it at once when the user comes back
 * first. Whichever resets the chat row tells the user (the notifier, on the sweeper's
 * SessionExpired, only if the chat still points at that session). Every update restarts the clock.
 */
export const idleTimeout: MiddlewareFn<BotContext> = async (ctx, next) => {
  const now = ctx.deps.now();
  const { flow, sessionId } = ctx.chatState;
  await ctx.deps.chats.touch(ctx.userId, now, languageOf(ctx.from?.language_code));
  if (!isIdle(ctx, now) || sessionId === null) return next();
  const port = flow === 'tryon' ? ctx.deps.tryOn : ctx.deps.stylist;
  const outcome = await port.expire(sessionId, ctx.occurredAt, actorOf(ctx));
  // `session_not_idle`: the worker reported recently, the session lives on.
  if (!outcome.ok && !ALREADY_OVER.has(outcome.rejection)) return next();
  const reset = await ctx.deps.chats.leaveFlow(ctx.userId, sessionId);
  ctx.chatState = { ...ctx.chatState, flow: 'menu', sessionId: null, draft: {} };
  // Not reset here: the notifier, on this SessionExpired, reset the chat first and tells the user.
  if (reset) await ctx.reply(ctx.t('session-expired'), { reply_markup: mainMenu(ctx.t) });
  // A stray photo or text is answered by the notice (whoever sends it); a command or a button goes on as asked.
  if (ctx.message && !ctx.message.text?.startsWith('/')) return;
  await next();
};
