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
  home: (ctx) => showMainMenu(ctx),
};

/**
 * Going anywhere from the menu leaves the flow the chat was in (its session waiting for input is
 * cancelled, any hold released by the session rules): the next photo must not land in a flow
 * the user no longer sees (one answer per intent).
 */
const leaveFor =
  (item: MenuItem | 'home') =>
  async (ctx: BotContext): Promise<void> => {
    await leaveFlow(ctx);
    await open[item](ctx);
  };

export const menuHandlers = new Composer<BotContext>();

menuHandlers.callbackQuery(CALLBACK.menu, async (ctx) => {
  await acknowledge(ctx);
  await leaveFor(ctx.match[1] as MenuItem | 'home')(ctx);
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

menuHandlers.command('menu', leaveFor('home'));
menuHandlers.command('help', leaveFor('help'));
menuHandlers.command('profile', leaveFor('profile'));
menuHandlers.command('buy', leaveFor('buy'));
menuHandlers.command('settings', leaveFor('settings'));
