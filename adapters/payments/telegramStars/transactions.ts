import type { StarTransaction } from 'grammy/types';
import { ignored, isoFromUnix, rejected, type PaymentFact } from '../../../app/payments/facts.js';
import { parseStarsPayload } from '../../../app/payments/stars.js';

/** An incoming Star transaction (getStarTransactions) as a purchase, for the reconciler. */
export const starsTransactionFact = (transaction: StarTransaction): PaymentFact => {
  const source = transaction.source;
  if (source?.type !== 'user' || source.transaction_type !== 'invoice_payment')
    return ignored('not an invoice payment');
  const payload = source.invoice_payload ? parseStarsPayload(source.invoice_payload) : undefined;
  if (!payload) return rejected(`star transaction ${transaction.id}: payload is not ours`);
  return {
    kind: 'purchase',
    provider: 'telegram_stars',
    paymentId: transaction.id,
    userId: String(source.user.id),
    packageId: payload.packageId,
    amountMinor: transaction.amount,
    currency: 'XTR',
    occurredAt: isoFromUnix(transaction.date),
  };
};
