import type { Api } from 'grammy';
import type Stripe from 'stripe';
import { decimalFromMinor } from '../../app/payments/money.js';
import type { DeliveryRecorder } from '../../app/payments/inbox.js';
import type { PurchaseIndex } from '../../app/payments/purchases.js';
import type { ProviderRefunders } from '../../app/payments/refunds.js';
import { callStripe } from './stripe/client.js';
import { refundStarsPayment } from './telegramStars/refund.js';
import type { YooKassaClient } from './yookassa/client.js';

/** What YooKassa shows the shop for a refund support made (its limit is 250 characters). */
export const YOOKASSA_REFUND_DESCRIPTION = 'Modera: refund by support';

export interface RefundClients {
  stripe?: Stripe | undefined;
  yookassa?: YooKassaClient | undefined;
  telegram?: Pick<Api, 'refundStarPayment'> | undefined;
}

/**
 * The refund call of each configured provider (app/payments' `ProviderRefunders`).
 * Retries: Stripe and YooKassa get the caller's idempotency key (never one the SDK makes up), so
 * the same key is the same refund. Telegram's refundStarPayment takes no key; a second call
 * answers CHARGE_ALREADY_REFUNDED, which counts as done.
 */
export const providerRefunders = (
  clients: RefundClients,
  deps: { inbox: DeliveryRecorder; purchases: PurchaseIndex },
): ProviderRefunders => {
  const { stripe, yookassa, telegram } = clients;
  const refunders: ProviderRefunders = {};
  // A Stripe purchase is recorded by its PaymentIntent id (see stripe/webhook.ts).
  if (stripe)
    refunders.stripe = async (request) => {
      await callStripe(() =>
        stripe.refunds.create(
          { payment_intent: request.paymentId, amount: request.amountMinor, metadata: { userId: request.userId } },
          { idempotencyKey: request.idempotencyKey },
        ),
      );
    };
  if (yookassa)
    refunders.yookassa = async (request) => {
      await yookassa.createRefund(
        {
          payment_id: request.paymentId,
          amount: { value: decimalFromMinor(request.amountMinor), currency: request.currency },
          description: YOOKASSA_REFUND_DESCRIPTION,
        },
        request.idempotencyKey,
      );
    };
  // Stars are refunded whole: Telegram takes no amount.
  if (telegram)
    refunders.telegram_stars = async (request) => {
      await refundStarsPayment({ api: telegram, ...deps }, { userId: request.userId, chargeId: request.paymentId });
    };
  return refunders;
};
