import type { Currency, PackageId, Provider } from '../../core/ledger/commands.js';

/**
 * Which account each provider payment was credited to. Refunds and disputes name only the
 * payment, and find the account here (adapters/postgres keeps it in `payments_purchases`).
 */
export interface RecordedPurchase {
  provider: Provider;
  paymentId: string;
  userId: string;
  packageId: PackageId;
  credits: number;
  amountMinor: number;
  currency: Currency;
  purchasedAt: string;
}

/** The purchase index (a port): written when the ledger accepts a purchase, read by refunds and the reconciler. */
export interface PurchaseIndex {
  /** Records a purchase the ledger accepted; a second record of the same payment changes nothing. */
  record(purchase: RecordedPurchase): Promise<void>;
  find(provider: Provider, paymentId: string): Promise<RecordedPurchase | undefined>;
  /** Which of these payment ids have a recorded purchase. */
  recordedPaymentIds(provider: Provider, paymentIds: readonly string[]): Promise<Set<string>>;
}
