import type { BotContext } from '../context.js';
import type { Outcome } from '../ports.js';
import { exitSession, leaveFlow } from './common.js';

/**
 * Which session buttons may still act. A button names its session; it acts only for the user
 * who started that session (a forged or forwarded one is someone else's) and only while that
 * session is the chat's current step, or, for a finished result, while the chat has not moved
 * on to another flow. Anything else is stale: a toast, and nothing changes (an old button never acts).
 */

/** Answers a stale or foreign button with the "no longer active" toast; nothing else happens. */
export const answerStale = async (ctx: BotContext): Promise<void> => {
  await ctx
    .answerCallbackQuery({ text: ctx.t('button-expired') })
    .catch((error: unknown) => ctx.deps.logger.debug({ err: error }, 'answerCallbackQuery failed'));
};

/** The button's session is the one the chat is in now (the chat row is the presser's own). */
export const isCurrentStep = (ctx: BotContext, flow: 'tryon' | 'stylist', sessionId: string): boolean =>
  ctx.chatState.flow === flow && ctx.chatState.sessionId === sessionId;

/**
 * A result's buttons (rate, try again, menu): the presser's own session, and the chat is in
 * it or back in the menu (a result delivered after the user left stays answerable there).
 */
export const mayActOnResult = async (
  ctx: BotContext,
  flow: 'tryon' | 'stylist',
  sessionId: string,
): Promise<boolean> => {
  const port = flow === 'tryon' ? ctx.deps.tryOn : ctx.deps.stylist;
  if ((await port.ownerOf(sessionId)) !== ctx.userId) return false;
  if (isCurrentStep(ctx, flow, sessionId)) return true;
  if (ctx.chatState.flow !== 'menu') return false;
  return RESULT_STATUSES.has(await port.status(sessionId));
};

/** Statuses in which a session shows its result and waits for the user's next choice. */
const RESULT_STATUSES: ReadonlySet<string> = new Set(['tryon_result', 'stylist_results', 'stylist_shopping']);

/**
 * Out of the session after a result's button (menu, try again). A finish the session refused
 * means the button was not a result's (a stale or forged one pressed while the session still
 * waits for input): the session is then left like any flow, abandoned, so no session is left
 * waiting behind a chat that is back in the menu.
 */
export const leaveAfterResult = async (ctx: BotContext, sessionId: string, finished: Outcome): Promise<void> => {
  if (finished.ok) await exitSession(ctx, sessionId);
  else await leaveFlow(ctx);
};
