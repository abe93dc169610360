import type pg from 'pg';
import { ActionRefused, type ProviderRefund } from '../support/actions.js';
import { decimalFromMinor } from './money.js';
import type { Payments } from '../../scripts/paymentsSetup.js';
import { callStripe } from '../../adapters/payments/stripe/client.js';
import { refundStarsPayment } from '../../adapters/payments/telegramStars/refund.js';

/** What YooKassa shows the shop for a refund support made (its limit is 250 characters). */
export const YOOKASSA_REFUND_DESCRIPTION = 'Modera: refund by support';

/**
 * Support's refund of a purchase, sent to the provider that took the money (the admin route's
 * `refundAtProvider`). Provider failures come out as ProviderRejected / ProviderUnreachable /
 * OutcomeUnknown (STYLE §9); a provider that is not configured here is `feature_off`.
 *
 * The ledger is not touched here. The clawback follows from the provider's own refund
 * notification, through the inbox and the processor like every other payment fact: Stripe's
 * `charge.refunded` / `refund.created` / `refund.updated` webhook, YooKassa's `refund.succeeded`
 * (re-read from the API), and for Stars the inbox row `refundStarsPayment` records itself (the
 * bot's `refunded_payment` is the same delivery). The admin action may also record the clawback
 * at once; the ledger takes one clawback per payment, so whichever comes second changes nothing.
 *
 * Retries: Stripe and YooKassa get the caller's idempotency key (never one the SDK makes up, STYLE
 * §7), so the same key is the same refund. Telegram's refundStarPayment takes no key; a second call
 * answers CHARGE_ALREADY_REFUNDED, which counts as done.
 */
export const createProviderRefunds = (
  payments: Pick<Payments, 'stripe' | 'yookassa' | 'telegram'>,
  deps: { pool: pg.Pool },
): ProviderRefund => async (request) => {
  const notConfigured = () => new ActionRefused('feature_off', `refunds through ${request.provider} are not configured on this server`);
  switch (request.provider) {
    case 'stripe': {
      const { stripe } = payments;
      if (!stripe) throw notConfigured();
      // A Stripe purchase is recorded by its PaymentIntent id (see stripe/webhook.ts).
      await callStripe(() => stripe.refunds.create(
        { payment_intent: request.paymentId, amount: request.amountMinor, metadata: { userId: request.userId } },
        { idempotencyKey: request.idempotencyKey },
      ));
      return;
    }
    case 'yookassa': {
      const { yookassa } = payments;
      if (!yookassa) throw notConfigured();
      await yookassa.createRefund({
        payment_id: request.paymentId,
        amount: { value: decimalFromMinor(request.amountMinor), currency: request.currency },
        description: YOOKASSA_REFUND_DESCRIPTION,
      }, request.idempotencyKey);
      return;
    }
    case 'telegram_stars': {
      const { telegram } = payments;
      if (!telegram) throw notConfigured();
      // Stars are refunded whole: Telegram takes no amount.
      await refundStarsPayment({ api: telegram, pool: deps.pool }, { userId: request.userId, chargeId: request.paymentId });
      return;
    }
    default: {
      const _exhaustive: never = request.provider;
      throw new Error(`unknown provider ${String(_exhaustive)}`);
    }
  }
};
