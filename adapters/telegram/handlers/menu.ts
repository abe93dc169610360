import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { CALLBACK, type MenuItem } from '../keyboards.js';
import { acknowledge, leaveFlow, logRejection, remember, showMainMenu } from './common.js';
import { showProfile } from './profile.js';
import { showBuyMenu } from './payments.js';
import { showSettings } from './settings.js';
import { startStylist } from './stylist.js';
import { showHelp } from './support.js';
import { startTryOn } from './tryOn.js';

/** The main menu: one button per flow, and the commands that reach the same places. */

const open: Record<MenuItem | 'home', (ctx: BotContext) => Promise<void>> = {
  tryon: startTryOn,
  stylist: startStylist,
  profile: showProfile,
  buy: showBuyMenu,
  help: showHelp,
  settings: showSettings,
  home: async (ctx) => {
    await leaveFlow(ctx);
    await showMainMenu(ctx);
  },
};

export const menuHandlers = new Composer<BotContext>();

menuHandlers.callbackQuery(CALLBACK.menu, async (ctx) => {
  await acknowledge(ctx);
  await open[ctx.match[1] as MenuItem | 'home'](ctx);
});

menuHandlers.callbackQuery(CALLBACK.consent, async (ctx) => {
  await acknowledge(ctx);
  const [, answer, flow] = ctx.match as unknown as [string, 'yes' | 'no', 'tryon' | 'stylist'];
  if (answer === 'no') return showMainMenu(ctx, 'consent-declined');
  const given = await ctx.deps.consent.give(ctx.userId, ctx.occurredAt);
  await remember(ctx, given);
  if (!given.ok) {
    logRejection(ctx, 'GiveConsent', given);
    return showMainMenu(ctx, 'something-went-wrong');
  }
  await ctx.reply(ctx.t('consent-given'));
  await open[flow](ctx);
});

menuHandlers.callbackQuery(CALLBACK.cancel, async (ctx) => {
  await acknowledge(ctx);
  await leaveFlow(ctx);
  await showMainMenu(ctx, 'flow-cancelled');
});

menuHandlers.command('menu', (ctx) => open.home(ctx));
menuHandlers.command('help', (ctx) => open.help(ctx));
menuHandlers.command('profile', (ctx) => open.profile(ctx));
menuHandlers.command('buy', (ctx) => open.buy(ctx));
menuHandlers.command('settings', (ctx) => open.settings(ctx));
