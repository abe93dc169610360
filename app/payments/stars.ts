import { PACKAGE_IDS, type PackageId } from '../../core/ledger/commands.js';
import type { CreditPackage, LedgerConfig } from '../../core/ledger/config.js';
import type { PaymentHoldReason } from '../../core/ledger/paymentReview.js';
import { isoFromUnix, rejected, type PaymentFact } from './facts.js';
import { isTelegramUserId } from '../../core/ids/index.js';

/**
 * Telegram Stars: digital goods sold inside a bot are paid in Stars (currency `XTR`, an empty
 * provider token, exactly one price item). The invoice payload names the package and the user;
 * Telegram hands it back on pre_checkout_query and successful_payment. The shapes below are the
 * fields of the Bot API's objects these rules read (the bot adapter passes grammY's objects).
 */

/** A price item of an invoice (the Bot API's LabeledPrice). */
export interface StarsPrice {
  label: string;
  amount: number;
}

/** The Bot API's SuccessfulPayment and RefundedPayment, as far as the ledger reads them. */
export interface StarsPayment {
  currency: string;
  total_amount: number;
  invoice_payload: string;
  telegram_payment_charge_id: string;
  /** Empty for Stars (no payment provider takes part). */
  provider_payment_charge_id?: string;
}

export const STARS_CURRENCY = 'XTR';
/** Telegram's limit on an invoice payload, in bytes. */
export const INVOICE_PAYLOAD_MAX_BYTES = 128;
const PAYLOAD = /^modera:v1:([a-z]+):([0-9]+)$/;

export const starsPayload = (userId: string, packageId: PackageId): string => `modera:v1:${packageId}:${userId}`;

export const parseStarsPayload = (payload: string): { userId: string; packageId: PackageId } | undefined => {
  const match = PAYLOAD.exec(payload);
  const packageId = PACKAGE_IDS.find((id) => id === match?.[1]);
  return match && packageId && isTelegramUserId(match[2]) ? { userId: match[2]!, packageId } : undefined;
};

export interface StarsInvoiceParams {
  title: string;
  description: string;
  payload: string;
  /** Empty for Stars. */
  providerToken: '';
  currency: typeof STARS_CURRENCY;
  /** Exactly one item for Stars. */
  prices: StarsPrice[];
  packageId: PackageId;
  credits: number;
  amountStars: number;
}

/** The invoice for one package, for `sendInvoice` or `createInvoiceLink`. */
export const starsInvoice = (pkg: CreditPackage, userId: string): StarsInvoiceParams => ({
  title: `${pkg.credits} credits`,
  description: `Modera ${pkg.id} package: ${pkg.credits} credits for virtual try-on and the AI stylist`,
  payload: starsPayload(userId, pkg.id),
  providerToken: '',
  currency: STARS_CURRENCY,
  prices: [{ label: `${pkg.credits} credits`, amount: pkg.prices.XTR }],
  packageId: pkg.id,
  credits: pkg.credits,
  amountStars: pkg.prices.XTR,
});

/** Why a pre-checkout is refused, as stable codes (the bot turns them into a message). */
export type PreCheckoutRefusal = 'wrong_currency' | 'unknown_payload' | 'wrong_user' | 'price_changed';

/**
 * The answer to a pre_checkout_query: no money has moved yet, so this is the last moment to say
 * no. Checks the payload is ours, names this user and a package, and that the price is still
 * the configured one. Pure and fast: Telegram wants the answer within 10 seconds.
 */
export const checkStarsPreCheckout = (
  config: LedgerConfig,
  query: Pick<StarsPayment, 'currency' | 'total_amount' | 'invoice_payload'> & { from: { id: number } },
): { ok: true } | { ok: false; reason: PreCheckoutRefusal } => {
  if (query.currency !== STARS_CURRENCY) return { ok: false, reason: 'wrong_currency' };
  const payload = parseStarsPayload(query.invoice_payload);
  if (!payload) return { ok: false, reason: 'unknown_payload' };
  if (payload.userId !== String(query.from.id)) return { ok: false, reason: 'wrong_user' };
  const pkg = config.packages.find((p) => p.id === payload.packageId);
  if (!pkg || pkg.prices.XTR !== query.total_amount) return { ok: false, reason: 'price_changed' };
  return { ok: true };
};

/** What the bot records for a successful_payment message (the inbox body of `stars.successful_payment`). */
export interface StarsPaymentRecord {
  /** The payer: message.from.id. */
  userId: string;
  /** message.date, Unix seconds. */
  date: number;
  payment: StarsPayment;
}

export interface StarsRefundRecord {
  userId: string;
  date: number;
  refund: StarsPayment;
}

/**
 * Why a successful_payment must not be credited, or undefined when it pays one of our invoices
 * exactly: Stars, a payload we issued, to the user who pays, at the package's price. Telegram
 * only checks what we answered at pre-checkout, so this is checked again on the money itself.
 */
export const starsPaymentRefusal = (
  config: Pick<LedgerConfig, 'packages'>,
  record: StarsPaymentRecord,
): { reason: PaymentHoldReason; packageId: PackageId | null; expectedAmount: number | null } | undefined => {
  const { payment } = record;
  const payload = parseStarsPayload(payment.invoice_payload);
  const pkg = payload && config.packages.find((p) => p.id === payload.packageId);
  const expected = { packageId: pkg?.id ?? null, expectedAmount: pkg?.prices.XTR ?? null };
  if (!payload || !pkg) return { reason: 'unknown_payload', ...expected };
  if (payload.userId !== record.userId) return { reason: 'wrong_user', ...expected };
  if (payment.currency !== STARS_CURRENCY) return { reason: 'wrong_currency', ...expected };
  if (payment.total_amount !== pkg.prices.XTR) return { reason: 'amount_mismatch', ...expected };
  return undefined;
};

/** The purchase a successful_payment means. Its amount is checked against the package when applied. */
export const starsPurchaseFact = (record: StarsPaymentRecord): PaymentFact => {
  const { payment } = record;
  if (payment.currency !== STARS_CURRENCY) return rejected(`successful_payment in ${payment.currency}, not Stars`);
  const payload = parseStarsPayload(payment.invoice_payload);
  if (!payload) return rejected(`successful_payment ${payment.telegram_payment_charge_id}: payload is not ours`);
  if (payload.userId !== record.userId) {
    const chargeId = payment.telegram_payment_charge_id;
    return rejected(`successful_payment ${chargeId}: invoice of user ${payload.userId}, paid by ${record.userId}`);
  }
  return {
    kind: 'purchase',
    provider: 'telegram_stars',
    paymentId: payment.telegram_payment_charge_id,
    userId: record.userId,
    packageId: payload.packageId,
    amountMinor: payment.total_amount,
    currency: 'XTR',
    occurredAt: isoFromUnix(record.date),
  };
};

export const starsRefundFact = (record: StarsRefundRecord): PaymentFact => ({
  kind: 'refund',
  provider: 'telegram_stars',
  paymentId: record.refund.telegram_payment_charge_id,
  refundKind: 'refund',
  amountMinor: record.refund.total_amount,
  occurredAt: isoFromUnix(record.date),
  userId: record.userId,
});
