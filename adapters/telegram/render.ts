import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { StylingResultData } from '../../core/sessions/index.js';
import { mainMenu, stylistResult, tryOnResult } from './keyboards.js';
import { MAX_SHOPPING_BUTTONS, shoppingUrl, type Notification } from './notifications.js';

/** The text and buttons of each notification. Texts from the locale files only. */

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** Telegram's limits: 4096 characters for a message, 1024 for a photo caption. */
export const MESSAGE_MAX_CHARS = 4096;
export const CAPTION_MAX_CHARS = 1024;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const styling = (
  result: StylingResultData,
  sessionId: string,
  t: Translate,
  language: string,
): { text: string; replyMarkup: InlineKeyboardMarkup } => {
  const { profile, recommendations } = result;
  const lines = [
    t('stylist-result', {
      summary: profile.summary,
      bodyType: profile.bodyType,
      palette: profile.colorPalette.join(', '),
      keywords: profile.styleKeywords.join(', '),
    }),
    '',
    t('stylist-recommendations'),
    ...recommendations.map((r) => t('stylist-recommendation', { title: r.title, reason: r.reason })),
  ];
  const keyboard = new InlineKeyboard();
  for (const r of [...recommendations].sort((a, b) => b.score - a.score).slice(0, MAX_SHOPPING_BUTTONS)) {
    keyboard.url(t('stylist-shop-button', { title: clip(r.title, 60) }), shoppingUrl(r, language)).row();
  }
  const menu = stylistResult(t, sessionId).inline_keyboard;
  return {
    text: clip(lines.join('\n'), MESSAGE_MAX_CHARS),
    replyMarkup: { inline_keyboard: [...keyboard.inline_keyboard, ...menu] },
  };
};

export const renderNotification = (
  notification: Notification,
  t: Translate,
  language: string,
): { text: string; replyMarkup?: InlineKeyboardMarkup } => {
  switch (notification.kind) {
    case 'tryon_result':
      return { text: clip(t('tryon-result'), CAPTION_MAX_CHARS), replyMarkup: tryOnResult(t, notification.sessionId) };
    case 'tryon_failed':
      return { text: t('tryon-failed-refunded', { credits: notification.credits }), replyMarkup: mainMenu(t) };
    case 'styling_result':
      return styling(notification.result, notification.sessionId, t, language);
    case 'styling_failed':
      return { text: t('stylist-failed-refunded', { credits: notification.credits }), replyMarkup: mainMenu(t) };
    case 'payment_received':
      return {
        text: t('payment-received', { credits: notification.credits, balance: notification.balance }),
        replyMarkup: mainMenu(t),
      };
    case 'purchase_refunded':
      return { text: t('purchase-refunded', { credits: notification.credits, balance: notification.balance }) };
    case 'session_expired':
      return { text: t('session-expired'), replyMarkup: mainMenu(t) };
    default: {
      const _exhaustive: never = notification;
      return _exhaustive;
    }
  }
};
