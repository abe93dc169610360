import type { RecordedEvent } from '../../core/eventstore/index.js';
import { isTelegramUserId } from '../../core/ids/index.js';
import type { CreditsPurchasedData, PurchaseRefundedData } from '../../core/ledger/index.js';
import type { HoldResolution, StylingResultData, TryOnResultData } from '../../core/sessions/index.js';

/**
 * Which events the user hears about, and what each says. Pure: the notifier does the sending.
 * A session's failure is told only when credits were held and are now returned; a refused
 * reservation was answered by the bot at once.
 */

export const NOTIFIED_CATEGORIES = ['tryon', 'styling', 'account'] as const;
export const NOTIFIED_EVENT_TYPES = [
  'TryOnSucceeded',
  'TryOnFailed',
  'StylingSucceeded',
  'StylingFailed',
  'SessionExpired',
  'CreditsPurchased',
  'PurchaseRefunded',
] as const;

/** A session outcome names the hold it settles: the notifier waits (bounded) for the ledger to settle it. */
interface Settles {
  reservationId: string;
}

export type Notification =
  | ({ kind: 'tryon_result'; userId: string; sessionId: string; resultImageKey: string } & Settles)
  | ({ kind: 'tryon_failed'; userId: string; credits: number } & Settles)
  | ({ kind: 'styling_result'; userId: string; sessionId: string; result: StylingResultData } & Settles)
  | ({ kind: 'styling_failed'; userId: string; credits: number } & Settles)
  | { kind: 'payment_received'; userId: string; credits: number; balance: number }
  | { kind: 'purchase_refunded'; userId: string; credits: number; balance: number }
  /** The user is found through the chat that still points at the session (if any). */
  | { kind: 'session_expired'; sessionId: string };

const idOf = (stream: string): string => stream.slice(stream.indexOf('-') + 1);

const released = (
  resolution: HoldResolution,
): { userId: string; credits: number; reservationId: string } | undefined =>
  resolution.action === 'release'
    ? { userId: resolution.userId, credits: resolution.credits, reservationId: resolution.reservationId }
    : undefined;

/**
 * The notification an event calls for, or undefined. An event for an id that is no Telegram user
 * (core/ids; one appended around our command path) has no one to tell: sending to it looped
 * forever on the chat id (it is not a Telegram user id), so it is skipped.
 */
export const notificationOf = (event: RecordedEvent): Notification | undefined => {
  const notification = notificationFor(event);
  return notification && 'userId' in notification && !isTelegramUserId(notification.userId) ? undefined : notification;
};

const notificationFor = (event: RecordedEvent): Notification | undefined => {
  const sessionId = idOf(event.stream);
  const category = event.stream.slice(0, event.stream.indexOf('-'));
  switch (event.type) {
    case 'TryOnSucceeded': {
      const data = event.data as TryOnResultData & { holdResolution: HoldResolution };
      const { userId, reservationId } = data.holdResolution;
      return { kind: 'tryon_result', userId, sessionId, resultImageKey: data.resultImageKey, reservationId };
    }
    case 'StylingSucceeded': {
      const data = event.data as StylingResultData & { holdResolution: HoldResolution };
      const { userId, reservationId } = data.holdResolution;
      return { kind: 'styling_result', userId, sessionId, result: data, reservationId };
    }
    case 'TryOnFailed':
    case 'StylingFailed': {
      const refund = released((event.data as { holdResolution: HoldResolution }).holdResolution);
      if (!refund) return undefined;
      return { kind: event.type === 'TryOnFailed' ? 'tryon_failed' : 'styling_failed', ...refund };
    }
    case 'SessionExpired':
      return category === 'tryon' || category === 'styling' ? { kind: 'session_expired', sessionId } : undefined;
    case 'CreditsPurchased': {
      const data = event.data as CreditsPurchasedData;
      return {
        kind: 'payment_received',
        userId: idOf(event.stream),
        credits: data.credits,
        balance: data.balanceAfter,
      };
    }
    case 'PurchaseRefunded': {
      const data = event.data as PurchaseRefundedData;
      return {
        kind: 'purchase_refunded',
        userId: idOf(event.stream),
        credits: data.credits,
        balance: data.balanceAfter,
      };
    }
    default:
      return undefined;
  }
};

/** Links shown as buttons under a style analysis. */
export const MAX_SHOPPING_BUTTONS = 8;

/**
 * Where a recommendation can be bought: the model's https link if it gave one, else a search
 * for its query at a marketplace that serves the user's language.
 */
export const shoppingUrl = (
  recommendation: { productUrl?: string; query?: string; title: string },
  language: string,
): string => {
  if (recommendation.productUrl?.startsWith('https://')) return recommendation.productUrl;
  const query = encodeURIComponent(recommendation.query ?? recommendation.title);
  return language === 'ru'
    ? `https://www.wildberries.ru/catalog/0/search.aspx?search=${query}`
    : `https://www.google.com/search?tbm=shop&q=${query}`;
};
