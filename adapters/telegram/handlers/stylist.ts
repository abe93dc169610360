import { Composer } from 'grammy';
import type { BudgetCurrency, BudgetRange, OccasionChoice, StyleChoice } from '../../../core/sessions/index.js';
import type { BotContext } from '../context.js';
import { BUDGET_TIERS, budgets, CALLBACK, cancelFlow, occasions, styles, type BudgetTier } from '../keyboards.js';
import type { Outcome } from '../ports.js';
import { answerStale, isCurrentStep, leaveAfterResult, mayActOnResult } from './buttons.js';
import {
  acknowledge,
  actorOf,
  currentBalance,
  exitSession,
  leaveFlow,
  logRejection,
  remember,
  sendPrompt,
  showMainMenu,
} from './common.js';
import { askConsent, ensureAccount, refusedForCredits } from './flowStart.js';
import { receiveImage } from './images.js';

/**
 * AI stylist: a photo, then style, occasion and budget as buttons, then the credits are
 * reserved and the worker takes over; the analysis and shopping links come from the notifier.
 */

/** Budget tiers in minor units, per currency (RUB for Russian, USD otherwise). */
export const BUDGET_RANGES: Record<BudgetCurrency, Record<BudgetTier, { minMinor: number; maxMinor: number }>> = {
  RUB: {
    low: { minMinor: 0, maxMinor: 500_000 },
    mid: { minMinor: 500_000, maxMinor: 2_000_000 },
    high: { minMinor: 2_000_000, maxMinor: 10_000_000 },
  },
  USD: {
    low: { minMinor: 0, maxMinor: 10_000 },
    mid: { minMinor: 10_000, maxMinor: 30_000 },
    high: { minMinor: 30_000, maxMinor: 100_000 },
  },
};

const currencyOf = async (ctx: BotContext): Promise<BudgetCurrency> =>
  (await ctx.i18n.getLocale()) === 'ru' ? 'RUB' : 'USD';

const budgetLabels = (ctx: BotContext, currency: BudgetCurrency): Record<BudgetTier, string> => {
  const labels = {} as Record<BudgetTier, string>;
  for (const tier of BUDGET_TIERS) {
    const { minMinor, maxMinor } = BUDGET_RANGES[currency][tier];
    labels[tier] = ctx.t(`budget-${tier}-${currency.toLowerCase()}`, { min: minMinor / 100, max: maxMinor / 100 });
  }
  return labels;
};

export const startStylist = async (ctx: BotContext): Promise<void> => {
  await leaveFlow(ctx);
  if (!(await ctx.deps.consent.has(ctx.userId))) return askConsent(ctx, 'stylist');
  await ensureAccount(ctx);
  const sessionId = ctx.deps.newId();
  const started = await ctx.deps.stylist.start(ctx.userId, sessionId, ctx.occurredAt);
  await remember(ctx, started);
  if (!started.ok) {
    logRejection(ctx, 'StartStyling', started);
    return showMainMenu(ctx, 'something-went-wrong');
  }
  await ctx.deps.chats.enterFlow(ctx.userId, 'stylist', sessionId);
  ctx.chatState = { ...ctx.chatState, flow: 'stylist', sessionId, draft: {} };
  await ctx.reply(ctx.t('stylist-send-photo', { price: ctx.deps.prices.styling }), { reply_markup: cancelFlow(ctx.t) });
};

/** The stylist session the chat is in, if any. */
const activeSession = (ctx: BotContext): string | null =>
  ctx.chatState.flow === 'stylist' ? ctx.chatState.sessionId : null;

/**
 * A preference button acts only on the chat's current session, while that session waits for
 * its preferences, and in order (an occasion needs a style, a budget both): anything else is
 * a button of another session or of another step.
 */
const mayChoose = async (
  ctx: BotContext,
  sessionId: string,
  needs: ReadonlyArray<'style' | 'occasion'>,
): Promise<boolean> =>
  isCurrentStep(ctx, 'stylist', sessionId) &&
  needs.every((choice) => ctx.chatState.draft[choice] !== undefined) &&
  (await ctx.deps.stylist.status(sessionId)) === 'stylist_preferences';

const afterSubmit = async (ctx: BotContext, sessionId: string, outcome: Outcome): Promise<void> => {
  const price = ctx.deps.prices.styling;
  if (outcome.ok) {
    const { available, held } = await currentBalance(ctx);
    await ctx.reply(ctx.t('stylist-processing', { price, available, held }));
    return;
  }
  if (await refusedForCredits(ctx, sessionId, outcome, price)) return;
  logRejection(ctx, 'SubmitPreferences', outcome);
  await exitSession(ctx, sessionId);
  await showMainMenu(ctx, 'something-went-wrong');
};

export const stylistHandlers = new Composer<BotContext>();

stylistHandlers.on('message', async (ctx, next) => {
  const sessionId = activeSession(ctx);
  if (sessionId === null) return next();
  const status = await ctx.deps.stylist.status(sessionId);
  if (status === 'stylist_waiting_photo') {
    const image = await receiveImage(ctx, 'style_input', sessionId);
    if (!image) return;
    const outcome = await ctx.deps.stylist.providePhoto(sessionId, image, ctx.occurredAt, actorOf(ctx));
    await remember(ctx, outcome);
    logRejection(ctx, 'ProvideStylePhoto', outcome);
    if (outcome.ok) await ctx.reply(ctx.t('stylist-choose-style'), { reply_markup: styles(ctx.t, sessionId) });
    else await ctx.reply(ctx.t('something-went-wrong'), { reply_markup: cancelFlow(ctx.t) });
  } else if (status === 'stylist_preferences') {
    await sendPrompt(ctx, `stylist-use-buttons:${sessionId}`, ctx.t('stylist-use-buttons'), {
      reply_markup: cancelFlow(ctx.t),
    });
  } else if (status === 'stylist_processing') {
    await sendPrompt(ctx, `still-processing:${sessionId}`, ctx.t('still-processing'));
  } else {
    // Results shown (the session is finished on the way out), or the session ended.
    await leaveFlow(ctx);
    await showMainMenu(ctx);
  }
});

stylistHandlers.callbackQuery(CALLBACK.style, async (ctx) => {
  const [, sessionId = '', style] = ctx.match;
  if (!(await mayChoose(ctx, sessionId, []))) return answerStale(ctx);
  await acknowledge(ctx);
  const draft = { style };
  await ctx.deps.chats.setDraft(ctx.userId, draft);
  ctx.chatState.draft = draft;
  await ctx.reply(ctx.t('stylist-choose-occasion'), { reply_markup: occasions(ctx.t, sessionId) });
});

stylistHandlers.callbackQuery(CALLBACK.occasion, async (ctx) => {
  const [, sessionId = '', occasion] = ctx.match;
  if (!(await mayChoose(ctx, sessionId, ['style']))) return answerStale(ctx);
  await acknowledge(ctx);
  const draft = { ...ctx.chatState.draft, occasion };
  await ctx.deps.chats.setDraft(ctx.userId, draft);
  ctx.chatState.draft = draft;
  const currency = await currencyOf(ctx);
  const keyboard = budgets(ctx.t, sessionId, budgetLabels(ctx, currency));
  await ctx.reply(ctx.t('stylist-choose-budget'), { reply_markup: keyboard });
});

stylistHandlers.callbackQuery(CALLBACK.budget, async (ctx) => {
  const [, sessionId = '', tier] = ctx.match;
  if (!(await mayChoose(ctx, sessionId, ['style', 'occasion']))) return answerStale(ctx);
  await acknowledge(ctx);
  const { style, occasion } = ctx.chatState.draft;
  const currency = await currencyOf(ctx);
  const budget: BudgetRange = { currency, ...BUDGET_RANGES[currency][tier as BudgetTier] };
  const preferences = { style: style as StyleChoice, occasion: occasion as OccasionChoice, budget };
  const outcome = await ctx.deps.stylist.submitPreferences(sessionId, preferences, ctx.occurredAt, actorOf(ctx));
  await remember(ctx, outcome);
  await afterSubmit(ctx, sessionId, outcome);
});

stylistHandlers.callbackQuery(CALLBACK.stylistMenu, async (ctx) => {
  const sessionId = ctx.match[1] ?? '';
  if (!(await mayActOnResult(ctx, 'stylist', sessionId))) return answerStale(ctx);
  await acknowledge(ctx);
  const outcome = await ctx.deps.stylist.finish(sessionId, ctx.occurredAt, actorOf(ctx));
  await remember(ctx, outcome);
  await leaveAfterResult(ctx, sessionId, outcome);
  await showMainMenu(ctx);
});
