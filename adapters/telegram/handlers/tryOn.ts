import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import type { ImageInput } from '../../../core/sessions/index.js';
import type { BotContext } from '../context.js';
import { CALLBACK, cancelFlow, tryOnResult } from '../keyboards.js';
import type { Outcome } from '../ports.js';
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
import { answerStale, leaveAfterResult, mayActOnResult } from './buttons.js';
import { askConsent, ensureAccount, refusedForCredits } from './flowStart.js';
import { receiveAlbum, receiveImage } from './images.js';

/**
 * Virtual try-on: clothing photo, person photo, then the credits are reserved and the worker
 * takes over. The result (or the failure with its refund) comes back through the notifier.
 */

export const startTryOn = async (ctx: BotContext): Promise<void> => {
  await leaveFlow(ctx);
  if (!(await ctx.deps.consent.has(ctx.userId))) return askConsent(ctx, 'tryon');
  await ensureAccount(ctx);
  const sessionId = ctx.deps.newId();
  const started = await ctx.deps.tryOn.start(ctx.userId, sessionId, ctx.occurredAt);
  await remember(ctx, started);
  if (!started.ok) {
    logRejection(ctx, 'StartTryOn', started);
    return showMainMenu(ctx, 'something-went-wrong');
  }
  await ctx.deps.chats.enterFlow(ctx.userId, 'tryon', sessionId);
  ctx.chatState = { ...ctx.chatState, flow: 'tryon', sessionId, draft: {} };
  await ctx.reply(ctx.t('tryon-send-clothing', { price: ctx.deps.prices.tryon }), { reply_markup: cancelFlow(ctx.t) });
};

const afterPerson = async (ctx: BotContext, sessionId: string, outcome: Outcome): Promise<void> => {
  await remember(ctx, outcome);
  const price = ctx.deps.prices.tryon;
  if (outcome.ok) {
    const { available, held } = await currentBalance(ctx);
    await ctx.reply(ctx.t('tryon-processing', { price, available, held }));
    return;
  }
  if (await refusedForCredits(ctx, sessionId, outcome, price)) return;
  logRejection(ctx, 'ProvidePersonImage', outcome);
  await exitSession(ctx, sessionId);
  await showMainMenu(ctx, 'something-went-wrong');
};

/** Both photos in one album: the clothing first, then the person, as the prompt asks. */
const takeAlbum = async (ctx: BotContext, sessionId: string, parts: readonly Message[]): Promise<void> => {
  const images = await receiveAlbum(ctx, parts, ['clothing', 'person'], sessionId);
  if (!images) return;
  const [clothing, person] = images as [ImageInput, ImageInput];
  const provided = await ctx.deps.tryOn.provideClothing(sessionId, clothing, ctx.occurredAt);
  await remember(ctx, provided);
  if (!provided.ok) {
    logRejection(ctx, 'ProvideClothingImage', provided);
    await ctx.reply(ctx.t('something-went-wrong'), { reply_markup: cancelFlow(ctx.t) });
    return;
  }
  await afterPerson(ctx, sessionId, await ctx.deps.tryOn.providePerson(sessionId, person, ctx.occurredAt));
};

/** The album a try-on takes whole; any other size is answered by `receiveImage`. */
const TRYON_ALBUM_PHOTOS = 2;

export const tryOnHandlers = new Composer<BotContext>();

tryOnHandlers.on('message', async (ctx, next) => {
  const { flow, sessionId } = ctx.chatState;
  if (flow !== 'tryon' || sessionId === null) return next();
  const status = await ctx.deps.tryOn.status(sessionId);
  if (status === 'tryon_waiting_clothing') {
    if (ctx.album?.length === TRYON_ALBUM_PHOTOS) return takeAlbum(ctx, sessionId, ctx.album);
    const image = await receiveImage(ctx, 'clothing', sessionId);
    if (!image) return;
    const outcome = await ctx.deps.tryOn.provideClothing(sessionId, image, ctx.occurredAt, actorOf(ctx));
    await remember(ctx, outcome);
    logRejection(ctx, 'ProvideClothingImage', outcome);
    await ctx.reply(ctx.t(outcome.ok ? 'tryon-send-person' : 'something-went-wrong'), {
      reply_markup: cancelFlow(ctx.t),
    });
  } else if (status === 'tryon_waiting_person') {
    const image = await receiveImage(ctx, 'person', sessionId);
    if (!image) return;
    const outcome = await ctx.deps.tryOn.providePerson(sessionId, image, ctx.occurredAt, actorOf(ctx));
    await afterPerson(ctx, sessionId, outcome);
  } else if (status === 'tryon_processing') {
    await sendPrompt(ctx, `still-processing:${sessionId}`, ctx.t('still-processing'));
  } else if (status === 'tryon_result') {
    await sendPrompt(ctx, `tryon-choose-next:${sessionId}`, ctx.t('tryon-choose-next'), {
      reply_markup: tryOnResult(ctx.t, sessionId),
    });
  } else {
    // The session ended (expired, cancelled, failed): back to the menu.
    await exitSession(ctx, sessionId);
    await showMainMenu(ctx);
  }
});

// A rating is a fact about a result, not a step of the flow: the owner may rate a result
// the chat has moved on from (the decider still takes one rating, while the result is shown).
tryOnHandlers.callbackQuery(CALLBACK.rate, async (ctx) => {
  const [, sessionId = '', rating = '0'] = ctx.match;
  if ((await ctx.deps.tryOn.ownerOf(sessionId)) !== ctx.userId) return answerStale(ctx);
  const outcome = await ctx.deps.tryOn.rate(sessionId, Number(rating), ctx.occurredAt, actorOf(ctx));
  await remember(ctx, outcome);
  await acknowledge(ctx, outcome.ok || outcome.rejection === 'already_rated' ? 'rating-thanks' : 'button-expired');
});

tryOnHandlers.callbackQuery(CALLBACK.tryAgain, async (ctx) => {
  const sessionId = ctx.match[1] ?? '';
  if (!(await mayActOnResult(ctx, 'tryon', sessionId))) return answerStale(ctx);
  await acknowledge(ctx);
  const outcome = await ctx.deps.tryOn.finish(sessionId, 'new_tryon', ctx.occurredAt, actorOf(ctx));
  await remember(ctx, outcome);
  await leaveAfterResult(ctx, sessionId, outcome);
  await startTryOn(ctx);
});

tryOnHandlers.callbackQuery(CALLBACK.tryOnMenu, async (ctx) => {
  const sessionId = ctx.match[1] ?? '';
  if (!(await mayActOnResult(ctx, 'tryon', sessionId))) return answerStale(ctx);
  await acknowledge(ctx);
  const outcome = await ctx.deps.tryOn.finish(sessionId, 'menu', ctx.occurredAt, actorOf(ctx));
  await remember(ctx, outcome);
  await leaveAfterResult(ctx, sessionId, outcome);
  await showMainMenu(ctx);
});
