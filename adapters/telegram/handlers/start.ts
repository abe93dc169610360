import { Composer } from 'grammy';
import type { TelegramProfile } from '../../../core/ledger/index.js';
import type { Language } from '../chatState.js';
import type { BotContext } from '../context.js';
import { CALLBACK, languages } from '../keyboards.js';
import { acknowledge, currentBalance, leaveFlow, logRejection, remember, showMainMenu } from './common.js';

/** /start: opens the account (welcome credits once), asks the language the first time, shows the menu. */

const profileOf = (ctx: BotContext): TelegramProfile => {
  const from = ctx.from!;
  return {
    ...(from.username ? { username: from.username } : {}),
    firstName: from.first_name,
    ...(from.last_name ? { lastName: from.last_name } : {}),
    ...(from.language_code ? { languageCode: from.language_code } : {}),
  };
};

export const startHandlers = new Composer<BotContext>();

startHandlers.command('start', async (ctx) => {
  const opened = await ctx.deps.accounts.open(ctx.userId, profileOf(ctx), ctx.occurredAt);
  logRejection(ctx, 'OpenAccount', opened);
  await remember(ctx, opened);
  await leaveFlow(ctx);
  if (ctx.chatState.language === null) {
    // Offered in the language Telegram reports; the choice is kept from then on.
    await ctx.reply(ctx.t('choose-language'), { reply_markup: languages(ctx.t) });
    return;
  }
  await showMainMenu(ctx, 'welcome-back');
});

startHandlers.callbackQuery(CALLBACK.language, async (ctx) => {
  const language = ctx.match[1] as Language;
  const first = ctx.chatState.language === null;
  // The menu comes next, in the new language: the flow the chat was in ends here.
  await leaveFlow(ctx);
  await ctx.deps.chats.setLanguage(ctx.userId, language);
  ctx.chatState.language = language;
  ctx.i18n.useLocale(language);
  await acknowledge(ctx);
  if (first) {
    const balance = await currentBalance(ctx);
    await ctx.reply(ctx.t('welcome', { credits: balance.available }));
  }
  await showMainMenu(ctx, first ? 'menu-title' : 'language-changed');
});
