import { paymentKey, type Account, type IndexEntry } from './account.js';
import {
  CURRENCIES,
  PACKAGE_IDS,
  PROVIDERS,
  REFUND_KINDS,
  type PurchaseCredits,
  type RefundPurchase,
} from './commands.js';
import type { LedgerConfig } from './config.js';
import { accept, reject } from '../decider/index.js';
import type { AccountDecision } from './decision.js';
import { openingEvents } from './opening.js';
import { isAmountMinor, isCredits, isId, isOneOf, isUserId } from './validation.js';

type Payment = Extract<IndexEntry, { kind: 'payment' }>;

const paymentOf = (state: Account, paymentId: string): Payment | undefined => {
  const entry = state.index.entries.get(paymentKey(paymentId));
  return entry?.kind === 'payment' ? entry : undefined;
};

/**
 * Records money received, exactly once per paymentId. Money is never refused (it was taken already): a payment
 * for a user we have not met opens the account first, and nothing about the account's state
 * (debt, holds) can refuse it; only a malformed command or a paymentId reused for another
 * payment can. The amount is recorded as the provider charged it, not checked against today's
 * price: prices change between the invoice and the webhook, and the payments layer checks the
 * invoice it made.
 */
export const decidePurchase = (c: PurchaseCredits, state: Account, config: LedgerConfig): AccountDecision => {
  if (!isUserId(c.userId)) return reject('invalid_user_id');
  if (!isId(c.paymentId)) return reject('invalid_id');
  if (!isOneOf(PROVIDERS, c.provider)) return reject('invalid_provider');
  if (!isOneOf(PACKAGE_IDS, c.packageId) || !config.packages.some((p) => p.id === c.packageId))
    return reject('unknown_package');
  // Stars are paid only through Telegram, and Telegram payments only in Stars.
  if (!isOneOf(CURRENCIES, c.currency) || (c.provider === 'telegram_stars') !== (c.currency === 'XTR'))
    return reject('invalid_currency');
  if (!isCredits(c.credits)) return reject('invalid_credits');
  if (!isAmountMinor(c.amountMinor)) return reject('invalid_amount');
  const { core } = state;
  if (core.opened && core.userId !== c.userId) return reject('wrong_account');
  const existing = paymentOf(state, c.paymentId);
  if (existing) {
    if (existing.provider !== c.provider) return reject('payment_exists_with_different_provider');
    if (existing.credits !== c.credits || existing.packageId !== c.packageId)
      return reject('payment_exists_with_different_credits');
    if (existing.amountMinor !== c.amountMinor || existing.currency !== c.currency)
      return reject('payment_exists_with_different_amount');
    return accept();
  }
  const opening = core.opened
    ? { events: [], balanceAfter: core.balance }
    : openingEvents(c.userId, 'payment', {}, config);
  return accept(...opening.events, {
    type: 'CreditsPurchased',
    data: {
      paymentId: c.paymentId,
      provider: c.provider,
      packageId: c.packageId,
      credits: c.credits,
      amountMinor: c.amountMinor,
      currency: c.currency,
      balanceAfter: opening.balanceAfter + c.credits,
    },
  });
};

/**
 * Claws back the credits of a purchase after a provider refund or a chargeback. The balance may
 * go below zero: the user may have spent them already, and the money is gone either way, so the
 * account goes into debt instead of the refund being refused.
 *
 * One clawback per payment, kept simple and safe: it takes `credits` (default: all the purchase's
 * credits) once. A second RefundPurchase of the same payment with the same credits (a retry, or a
 * chargeback after a refund) succeeds with no events; with other credits it is
 * `refund_exists_with_different_credits`: a second partial refund is not supported here (support
 * corrects with AdjustCredits), so it is said loudly rather than guessed.
 *
 * An unknown payment (or an account not opened yet) is `payment_not_found`, a retryable code:
 * a refund may arrive before its payment, and the payments layer retries it once the purchase
 * is recorded. Refusing beats recording a refund of nothing.
 */
export const decideRefund = (c: RefundPurchase, state: Account): AccountDecision => {
  if (!isId(c.paymentId)) return reject('invalid_id');
  if (c.credits !== undefined && !isCredits(c.credits)) return reject('invalid_credits');
  if (c.amountMinor !== undefined && !isAmountMinor(c.amountMinor)) return reject('invalid_amount');
  if (!isOneOf(REFUND_KINDS, c.kind)) return reject('invalid_kind');
  const payment = state.core.opened ? paymentOf(state, c.paymentId) : undefined;
  if (!payment) return reject('payment_not_found');
  const credits = c.credits ?? payment.credits;
  if (payment.refund) {
    if (payment.refund.credits !== credits) return reject('refund_exists_with_different_credits');
    if (c.amountMinor !== undefined && payment.refund.amountMinor !== c.amountMinor)
      return reject('refund_exists_with_different_amount');
    return accept();
  }
  if (credits > payment.credits || (c.amountMinor ?? 0) > payment.amountMinor) return reject('refund_exceeds_purchase');
  const amountMinor = c.amountMinor ?? (credits === payment.credits ? payment.amountMinor : undefined);
  if (amountMinor === undefined) return reject('refund_amount_required');
  return accept({
    type: 'PurchaseRefunded',
    data: {
      paymentId: c.paymentId,
      provider: payment.provider,
      packageId: payment.packageId,
      purchasedCredits: payment.credits,
      purchasedAmountMinor: payment.amountMinor,
      currency: payment.currency,
      kind: c.kind,
      credits,
      amountMinor,
      balanceAfter: state.core.balance - credits,
    },
  });
};
