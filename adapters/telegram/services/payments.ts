import type { EventStore } from '../../../core/eventstore/index.js';
import { packageById, type LedgerConfig } from '../../../core/ledger/index.js';
import { applyFact } from '../../../app/payments/apply.js';
import type { DeliveryRecorder } from '../../../app/payments/inbox.js';
import type { PurchaseIndex } from '../../../app/payments/purchases.js';
import {
  checkStarsPreCheckout,
  starsInvoice,
  starsPaymentRefusal,
  starsPurchaseFact,
} from '../../../app/payments/stars.js';
import { PAYMENT_HELD, type PaymentsPort } from '../ports.js';
import { holdStarsPayment } from './paymentReview.js';
import type { LedgerHandler } from '../../../app/accounts/ledger.js';

/**
 * Stars in the bot, over the payments adapters: invoices and pre-checkout checks from
 * `payments/telegramStars`, and each successful_payment or refunded_payment written to the
 * payments inbox first. A purchase is also applied at once, so the bot knows where it landed
 * (read-your-writes); the inbox processor finds it applied (idempotent by the charge id).
 */

export interface StarsPaymentsDependencies {
  /** The payments inbox every Stars delivery is written to first. */
  inbox: DeliveryRecorder;
  purchases: PurchaseIndex;
  /** Where a payment held for support is recorded (its review stream). */
  store: EventStore;
  ledger: LedgerHandler;
  ledgerConfig: LedgerConfig;
  /** The web checkout page for cards (`<PUBLIC_BASE_URL>/checkout`); undefined when cards are off. */
  webCheckoutUrl?: string | undefined;
  /** Tells the payments processor a row is waiting (a refund). */
  wakeProcessor?: () => void;
}

export const createStarsPayments = (deps: StarsPaymentsDependencies): PaymentsPort => ({
  packages: () => deps.ledgerConfig.packages,
  starsInvoice: (userId, packageId) => {
    const invoice = starsInvoice(packageById(deps.ledgerConfig, packageId), userId);
    return { packageId, credits: invoice.credits, amountStars: invoice.amountStars, payload: invoice.payload };
  },
  checkPreCheckout: async (query) =>
    checkStarsPreCheckout(deps.ledgerConfig, {
      currency: query.currency,
      total_amount: query.totalAmount,
      invoice_payload: query.payload,
      from: { id: Number(query.userId) },
    }),
  recordStarsPayment: async (userId, date, payment) => {
    const record = { userId, date, payment };
    const deliveryId = `successful_payment:${payment.telegram_payment_charge_id}`;
    await deps.inbox.record({
      provider: 'telegram_stars',
      deliveryId,
      kind: 'stars.successful_payment',
      source: 'bot',
      body: JSON.stringify(record),
    });
    const refusal = starsPaymentRefusal(deps.ledgerConfig, record);
    if (refusal) {
      const occurredAt = new Date(date * 1000).toISOString();
      const position = await holdStarsPayment(deps.store, { userId, payment, refusal, occurredAt });
      return { ok: false, rejection: PAYMENT_HELD, position };
    }
    const result = await applyFact(deps, starsPurchaseFact(record), `telegram:${deliveryId}`);
    if (result.status === 'done') return { ok: true, position: result.position };
    // Recorded: the processor retries it, and support sees it in the inbox.
    deps.wakeProcessor?.();
    return { ok: false, rejection: 'reason' in result ? result.reason : result.outcome, position: 0 };
  },
  recordStarsRefund: async (userId, date, refund) => {
    await deps.inbox.record({
      provider: 'telegram_stars',
      deliveryId: `refunded_payment:${refund.telegram_payment_charge_id}`,
      kind: 'stars.refunded_payment',
      source: 'bot',
      body: JSON.stringify({ userId, date, refund }),
    });
    deps.wakeProcessor?.();
  },
  webCheckoutUrl: () => deps.webCheckoutUrl,
});
