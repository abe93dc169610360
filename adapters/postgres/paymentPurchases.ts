import type pg from 'pg';
import type { PurchaseIndex, RecordedPurchase } from '../../app/payments/purchases.js';
import type { Currency, PackageId, Provider } from '../../core/ledger/commands.js';

/** `payments_purchases`: app/payments' PurchaseIndex in PostgreSQL. */

type Queryable = Pick<pg.Pool, 'query'>;

/** Records a purchase the ledger accepted; a second record of the same payment changes nothing. */
export const recordPurchase = async (db: Queryable, purchase: RecordedPurchase): Promise<void> => {
  await db.query(
    `INSERT INTO payments_purchases (provider, payment_id, user_id, package_id, credits, amount_minor, currency,
       purchased_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (provider, payment_id) DO NOTHING`,
    [
      purchase.provider,
      purchase.paymentId,
      purchase.userId,
      purchase.packageId,
      purchase.credits,
      purchase.amountMinor,
      purchase.currency,
      purchase.purchasedAt,
    ],
  );
};

export const findPurchase = async (
  db: Queryable,
  provider: Provider,
  paymentId: string,
): Promise<RecordedPurchase | undefined> => {
  const result = await db.query<{
    user_id: string;
    package_id: PackageId;
    credits: number;
    amount_minor: number;
    currency: Currency;
    purchased_at: Date;
  }>(
    'SELECT user_id, package_id, credits, amount_minor, currency, purchased_at FROM payments_purchases ' +
      'WHERE provider = $1 AND payment_id = $2',
    [provider, paymentId],
  );
  const row = result.rows[0];
  return (
    row && {
      provider,
      paymentId,
      userId: row.user_id,
      packageId: row.package_id,
      credits: row.credits,
      amountMinor: row.amount_minor,
      currency: row.currency,
      purchasedAt: row.purchased_at.toISOString(),
    }
  );
};

/** Which of these payment ids have a recorded purchase. */
export const recordedPaymentIds = async (
  db: Queryable,
  provider: Provider,
  paymentIds: readonly string[],
): Promise<Set<string>> => {
  if (paymentIds.length === 0) return new Set();
  const result = await db.query<{ payment_id: string }>(
    'SELECT payment_id FROM payments_purchases WHERE provider = $1 AND payment_id = ANY($2::text[])',
    [provider, [...paymentIds]],
  );
  return new Set(result.rows.map((r) => r.payment_id));
};

/** app/payments' PurchaseIndex over this pool. */
export const postgresPurchaseIndex = (db: Queryable): PurchaseIndex => ({
  record: (purchase) => recordPurchase(db, purchase),
  find: (provider, paymentId) => findPurchase(db, provider, paymentId),
  recordedPaymentIds: (provider, paymentIds) => recordedPaymentIds(db, provider, paymentIds),
});
