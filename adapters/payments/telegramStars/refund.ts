import { GrammyError, HttpError, type Api } from 'grammy';
import { OutcomeUnknown, ProviderRejected, ProviderUnreachable } from '../../../app/payments/errors.js';
import type { DeliveryRecorder, InboxSource } from '../../../app/payments/inbox.js';
import type { PurchaseIndex } from '../../../app/payments/purchases.js';
import type { StarsRefundRecord } from '../../../app/payments/stars.js';

/** The delivery id of a Stars refund: the same for our refund call and Telegram's refunded_payment message. */
export const starsRefundDeliveryId = (chargeId: string): string => `refunded_payment:${chargeId}`;

/** Records a refunded Stars payment in the inbox (from the bot's refunded_payment message, or our own refund). */
export const recordStarsRefund = (inbox: DeliveryRecorder, record: StarsRefundRecord, source: InboxSource = 'bot') =>
  inbox.record({
    provider: 'telegram_stars',
    deliveryId: starsRefundDeliveryId(record.refund.telegram_payment_charge_id),
    kind: 'stars.refunded_payment',
    source,
    body: JSON.stringify(record),
  });

const telegramError = (error: unknown): Error => {
  const details = { provider: 'telegram_stars' as const, cause: error };
  if (error instanceof GrammyError) {
    if (error.error_code === 429 || error.error_code >= 500)
      return new ProviderUnreachable(error.error_code === 429 ? 'rate_limited' : 'server_error', error.description, {
        ...details,
        status: error.error_code,
      });
    return new ProviderRejected('invalid_request', error.description, { ...details, status: error.error_code });
  }
  if (error instanceof HttpError) return new OutcomeUnknown('connection_lost', error.message, details);
  return error as Error;
};

/**
 * Refunds a Stars purchase (support's decision): `refundStarPayment` at Telegram, then the
 * refund goes to the inbox and the processor claws the credits back (`RefundPurchase`). Telegram
 * also sends the bot a refunded_payment message; it has the same delivery id, so it is recorded
 * once. A charge Telegram says is already refunded is recorded all the same.
 */
export const refundStarsPayment = async (
  deps: { api: Pick<Api, 'refundStarPayment'>; inbox: DeliveryRecorder; purchases: PurchaseIndex },
  request: { userId: string; chargeId: string; now?: Date },
): Promise<{ inboxId: number; alreadyRefunded: boolean }> => {
  const purchase = await deps.purchases.find('telegram_stars', request.chargeId);
  if (!purchase || purchase.userId !== request.userId) {
    throw new ProviderRejected('not_found', `no Stars purchase ${request.chargeId} of user ${request.userId}`, {
      provider: 'telegram_stars',
    });
  }
  let alreadyRefunded = false;
  try {
    await deps.api.refundStarPayment(Number(request.userId), request.chargeId);
  } catch (error) {
    if (!(error instanceof GrammyError && /CHARGE_ALREADY_REFUNDED/.test(error.description)))
      throw telegramError(error);
    alreadyRefunded = true;
  }
  const { id } = await recordStarsRefund(
    deps.inbox,
    {
      userId: request.userId,
      date: Math.floor((request.now ?? new Date()).getTime() / 1000),
      refund: {
        currency: 'XTR',
        total_amount: purchase.amountMinor,
        invoice_payload: '',
        telegram_payment_charge_id: request.chargeId,
      },
    },
    'operator',
  );
  return { inboxId: id, alreadyRefunded };
};
