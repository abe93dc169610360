import type { BotContext } from '../context.js';
import { buyMenu, consent } from '../keyboards.js';
import type { Outcome } from '../ports.js';
import { currentBalance, exitSession, logRejection, remember } from './common.js';

/** What the try-on and the stylist share on the way in: consent, the account, the price. */

/** Ledger rejections that mean "buy credits first"; anything else is not the user's doing. */
const CREDIT_REJECTIONS = new Set(['insufficient_credits', 'account_in_debt']);

export const askConsent = async (ctx: BotContext, flow: 'tryon' | 'stylist'): Promise<void> => {
  await ctx.reply(ctx.t('consent-request'), { reply_markup: consent(ctx.t, flow) });
};

/** OpenAccount is idempotent: a user who never sent /start still gets an account to spend from. */
export const ensureAccount = async (ctx: BotContext): Promise<void> => {
  if (ctx.chatState.lastPosition > 0) return;
  const opened = await ctx.deps.accounts.open(ctx.userId, { firstName: ctx.from?.first_name ?? '' }, ctx.occurredAt);
  logRejection(ctx, 'OpenAccount', opened);
  await remember(ctx, opened);
};

/**
 * The reservation was refused for lack of credits: nothing is held, the session is over, and
 * the user gets the buy menu. Returns false for any other rejection.
 */
export const refusedForCredits = async (
  ctx: BotContext,
  sessionId: string,
  outcome: Outcome,
  price: number,
): Promise<boolean> => {
  if (outcome.ok || !CREDIT_REJECTIONS.has(outcome.rejection)) return false;
  await exitSession(ctx, sessionId);
  const { available } = await currentBalance(ctx);
  const { payments } = ctx.deps;
  await ctx.reply(ctx.t('not-enough-credits', { price, available }), {
    reply_markup: buyMenu(ctx.t, payments.packages(), payments.webCheckoutUrl(ctx.userId)),
  });
  return true;
};
