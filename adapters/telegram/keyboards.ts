import { InlineKeyboard } from 'grammy';
import type { CreditPackage } from '../../core/ledger/index.js';
import { MAX_RATING, MIN_RATING, OCCASION_CHOICES, STYLE_CHOICES } from '../../core/sessions/index.js';
import { LANGUAGES } from './chatState.js';

/**
 * Every inline keyboard of the bot. Button texts come from the locale files through `t`; the
 * callback data is a short, language-free code (Telegram allows 64 bytes), parsed by the
 * patterns in `CALLBACK`.
 */

type Translate = (key: string, variables?: Record<string, string | number>) => string;

export const MENU_ITEMS = ['tryon', 'stylist', 'profile', 'buy', 'help', 'settings'] as const;
export type MenuItem = (typeof MENU_ITEMS)[number];

/** Budget tiers offered as buttons; the ranges per currency are in `budgets.ts`. */
export const BUDGET_TIERS = ['low', 'mid', 'high'] as const;
export type BudgetTier = (typeof BUDGET_TIERS)[number];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Callback data patterns, each anchored; the handlers match on these. */
export const CALLBACK = {
  menu: new RegExp(`^menu:(${MENU_ITEMS.join('|')}|home)$`),
  language: new RegExp(`^lang:(${LANGUAGES.join('|')})$`),
  consent: /^consent:(yes|no):(tryon|stylist)$/,
  stylistMenu: new RegExp(`^stylist:menu:(${UUID})$`),
  rate: new RegExp(`^rate:(${UUID}):([${MIN_RATING}-${MAX_RATING}])$`),
  tryAgain: new RegExp(`^tryon:again:(${UUID})$`),
  tryOnMenu: new RegExp(`^tryon:menu:(${UUID})$`),
  // The stylist's steps name their session: an old keyboard (or the session-less format sent
  // before, `style:<choice>`) cannot drive a newer session; those fall through to "expired".
  style: new RegExp(`^style:(${UUID}):(${STYLE_CHOICES.join('|')})$`),
  occasion: new RegExp(`^occasion:(${UUID}):(${OCCASION_CHOICES.join('|')})$`),
  budget: new RegExp(`^budget:(${UUID}):(${BUDGET_TIERS.join('|')})$`),
  buy: /^buy:([a-z]+)$/,
  settings: /^settings:(language|withdraw|delete_photos)$/,
  support: /^support:refund$/,
  cancel: /^flow:cancel$/,
} as const;

export const mainMenu = (t: Translate): InlineKeyboard =>
  new InlineKeyboard()
    .text(t('menu-tryon'), 'menu:tryon')
    .text(t('menu-stylist'), 'menu:stylist')
    .row()
    .text(t('menu-profile'), 'menu:profile')
    .text(t('menu-buy'), 'menu:buy')
    .row()
    .text(t('menu-help'), 'menu:help')
    .text(t('menu-settings'), 'menu:settings');

export const backToMenu = (t: Translate): InlineKeyboard => new InlineKeyboard().text(t('button-menu'), 'menu:home');

export const cancelFlow = (t: Translate): InlineKeyboard =>
  new InlineKeyboard().text(t('button-cancel'), 'flow:cancel');

export const languages = (t: Translate): InlineKeyboard =>
  LANGUAGES.reduce(
    (keyboard, language) => keyboard.text(t(`language-${language}`), `lang:${language}`),
    new InlineKeyboard(),
  );

/** Consent asked on the way into a flow; the answer carries the flow to go on with. */
export const consent = (t: Translate, flow: 'tryon' | 'stylist'): InlineKeyboard =>
  new InlineKeyboard()
    .text(t('consent-accept'), `consent:yes:${flow}`)
    .text(t('consent-decline'), `consent:no:${flow}`);

export const tryOnResult = (t: Translate, sessionId: string): InlineKeyboard => {
  const keyboard = new InlineKeyboard();
  for (let rating = MIN_RATING; rating <= MAX_RATING; rating++)
    keyboard.text(t('rate-button', { rating }), `rate:${sessionId}:${rating}`);
  return keyboard
    .row()
    .text(t('tryon-again'), `tryon:again:${sessionId}`)
    .text(t('button-menu'), `tryon:menu:${sessionId}`);
};

const grid = (
  t: Translate,
  prefix: string,
  sessionId: string,
  choices: readonly string[],
  perRow: number,
): InlineKeyboard => {
  const keyboard = new InlineKeyboard();
  choices.forEach((choice, index) => {
    keyboard.text(t(`${prefix}-${choice}`), `${prefix}:${sessionId}:${choice}`);
    if ((index + 1) % perRow === 0) keyboard.row();
  });
  return keyboard.row().text(t('button-cancel'), 'flow:cancel');
};

export const styles = (t: Translate, sessionId: string): InlineKeyboard =>
  grid(t, 'style', sessionId, STYLE_CHOICES, 3);
export const occasions = (t: Translate, sessionId: string): InlineKeyboard =>
  grid(t, 'occasion', sessionId, OCCASION_CHOICES, 3);

export const budgets = (t: Translate, sessionId: string, labels: Record<BudgetTier, string>): InlineKeyboard => {
  const keyboard = new InlineKeyboard();
  for (const tier of BUDGET_TIERS) keyboard.text(labels[tier], `budget:${sessionId}:${tier}`).row();
  return keyboard.text(t('button-cancel'), 'flow:cancel');
};

export const buyMenu = (
  t: Translate,
  packages: readonly CreditPackage[],
  webCheckoutUrl: string | undefined,
): InlineKeyboard => {
  const keyboard = new InlineKeyboard();
  for (const p of packages)
    keyboard.text(t('buy-package', { credits: p.credits, stars: p.prices.XTR }), `buy:${p.id}`).row();
  if (webCheckoutUrl) keyboard.url(t('buy-web'), webCheckoutUrl).row();
  return keyboard.text(t('button-menu'), 'menu:home');
};

export const stylistResult = (t: Translate, sessionId: string): InlineKeyboard =>
  new InlineKeyboard().text(t('button-menu'), `stylist:menu:${sessionId}`);

export const settings = (t: Translate): InlineKeyboard =>
  new InlineKeyboard()
    .text(t('settings-language'), 'settings:language')
    .row()
    .text(t('settings-withdraw-consent'), 'settings:withdraw')
    .row()
    .text(t('settings-delete-photos'), 'settings:delete_photos')
    .row()
    .text(t('button-menu'), 'menu:home');

export const help = (t: Translate): InlineKeyboard =>
  new InlineKeyboard().text(t('help-request-refund'), 'support:refund').row().text(t('button-menu'), 'menu:home');
