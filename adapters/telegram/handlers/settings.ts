import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { backToMenu, CALLBACK, languages, settings } from '../keyboards.js';
import { acknowledge, leaveFlow, logRejection, remember } from './common.js';

/** Settings: the language, withdrawing consent to AI processing, deleting one's photos. */

export const showSettings = async (ctx: BotContext): Promise<void> => {
  await ctx.reply(ctx.t('settings-title'), { reply_markup: settings(ctx.t) });
};

const withdrawConsent = async (ctx: BotContext): Promise<void> => {
  // A flow waiting for photos cannot go on without consent; one being processed was consented to.
  await leaveFlow(ctx);
  const outcome = await ctx.deps.consent.withdraw(ctx.userId, ctx.occurredAt);
  await remember(ctx, outcome);
  logRejection(ctx, 'WithdrawConsent', outcome);
  await ctx.reply(ctx.t(outcome.ok ? 'consent-withdrawn' : 'something-went-wrong'), {
    reply_markup: backToMenu(ctx.t),
  });
};

const deletePhotos = async (ctx: BotContext): Promise<void> => {
  await leaveFlow(ctx);
  const sessionIds = await ctx.deps.chats.sessionIds(ctx.userId);
  const count = await ctx.deps.images.deletePhotos(sessionIds);
  await ctx.reply(ctx.t('photos-deleted', { count }), { reply_markup: backToMenu(ctx.t) });
};

export const settingsHandlers = new Composer<BotContext>();

settingsHandlers.callbackQuery(CALLBACK.settings, async (ctx) => {
  await acknowledge(ctx);
  switch (ctx.match[1]) {
    case 'language':
      return void (await ctx.reply(ctx.t('choose-language'), { reply_markup: languages(ctx.t) }));
    case 'withdraw':
      return withdrawConsent(ctx);
    case 'delete_photos':
      return deletePhotos(ctx);
  }
});
