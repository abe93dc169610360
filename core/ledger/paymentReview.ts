import type { Currency } from './commands.js';

/**
 * Payments held for support instead of credited: money arrived that does not match
 * what we invoiced (another amount or currency, a payload we never issued, another user's
 * invoice). Crediting it would be wrong and refusing it loses the money, so it becomes a case:
 * an event in the payer's own review stream, which the support timeline reads with the account.
 */

export const PAYMENT_REVIEW_CATEGORY = 'paymentreview';
export const paymentReviewStream = (userId: string): string => `${PAYMENT_REVIEW_CATEGORY}-${userId}`;

/** Why a payment was held, as stable codes. */
export const PAYMENT_HOLD_REASONS = ['wrong_currency', 'unknown_payload', 'wrong_user', 'amount_mismatch'] as const;
export type PaymentHoldReason = (typeof PAYMENT_HOLD_REASONS)[number];

/** `StarsPaymentHeld`: a Telegram Stars payment kept for support, not credited. */
export interface StarsPaymentHeldData {
  provider: 'telegram_stars';
  /** telegram_payment_charge_id: what support refunds with refundStarPayment. */
  paymentId: string;
  /** The payer (message.from.id). */
  userId: string;
  reason: PaymentHoldReason;
  /** What Telegram says was paid, in the payment's own currency (Stars are whole). */
  paidAmount: number;
  currency: string;
  /** The invoiced package's price, when the payload names one of ours. */
  expectedAmount: number | null;
  expectedCurrency: Currency;
  packageId: string | null;
  invoicePayload: string;
}
