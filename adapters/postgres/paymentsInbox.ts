import type pg from 'pg';
import {
  HINT_PROVIDERS,
  INBOX_TEXT_MAX_LENGTH,
  type Delivery,
  type InboxFinish,
  type InboxKind,
  type InboxRetry,
  type InboxRow,
  type InboxSource,
  type InboxStatus,
  type PaymentInbox,
} from '../../app/payments/inbox.js';
import type { Provider } from '../../core/ledger/commands.js';

/**
 * The payments inbox in PostgreSQL (schema/005_payments_inbox.sql): app/payments' PaymentInbox.
 * A redelivery with the same (provider, delivery id) is recorded once.
 */

type Queryable = Pick<pg.Pool, 'query'>;
interface DbRow {
  id: number;
  provider: Provider;
  delivery_id: string;
  kind: InboxKind;
  source: InboxSource;
  body: Buffer;
  attempts: number;
  payment_id: string | null;
}
const RETURNING = 'RETURNING id, provider, delivery_id, kind, source, body, attempts, payment_id';
const toRow = (r: DbRow): InboxRow => ({
  id: r.id,
  provider: r.provider,
  deliveryId: r.delivery_id,
  kind: r.kind,
  source: r.source,
  body: r.body,
  attempts: r.attempts,
  paymentId: r.payment_id,
});
const CLAIM = `UPDATE payments_inbox SET status = 'processing', attempts = attempts + 1,
                      next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)`;
const clip = (text: string): string => text.slice(0, INBOX_TEXT_MAX_LENGTH);

/**
 * A delivery recorded before, told again: a row waiting for a later try is due now, and a hint
 * row that was settled without being applied is opened again (with this body and fresh
 * attempts). Issue 13: the genuine notification after an early one was answered `duplicate` and
 * dropped, and the credits waited for the reconciler. Returns whether the row was requeued.
 */
const requeue = async (db: Queryable, delivery: Delivery): Promise<boolean> => {
  const requeued = await db.query(
    `UPDATE payments_inbox
        SET attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
            status = 'pending', next_attempt_at = now(), processed_at = NULL,
            body = CASE WHEN $4 THEN $3 ELSE body END
      WHERE provider = $1 AND delivery_id = $2
        AND ((status = 'pending' AND next_attempt_at > now())
          OR ($4 AND status IN ('rejected', 'ignored', 'failed')))`,
    [delivery.provider, delivery.deliveryId, Buffer.from(delivery.body), HINT_PROVIDERS.has(delivery.provider)],
  );
  return requeued.rowCount === 1;
};

/**
 * Records a delivery; `duplicate` when this (provider, delivery id) was recorded before and the
 * new delivery changes nothing (the row is applied, in hand, or due anyway).
 */
export const recordDelivery = async (
  db: Queryable,
  delivery: Delivery,
): Promise<{ id: number; duplicate: boolean }> => {
  const inserted = await db.query<{ id: number }>(
    `INSERT INTO payments_inbox (provider, delivery_id, kind, source, body, headers, remote_ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING id`,
    [
      delivery.provider,
      delivery.deliveryId,
      delivery.kind,
      delivery.source,
      Buffer.from(delivery.body),
      JSON.stringify(delivery.headers ?? {}),
      delivery.remoteIp ?? null,
    ],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, duplicate: false };
  const requeued = await requeue(db, delivery);
  const existing = await db.query<{ id: number }>(
    'SELECT id FROM payments_inbox WHERE provider = $1 AND delivery_id = $2',
    [delivery.provider, delivery.deliveryId],
  );
  return { id: existing.rows[0]!.id, duplicate: !requeued };
};

/**
 * Claims up to `limit` due rows for this worker: pending rows whose time has come, and rows
 * whose previous claim's lease ran out (a worker died on them). SKIP LOCKED lets workers claim
 * side by side; the claim is its own short transaction, so nothing stays locked while a row is
 * applied (a long transaction would hold back the event store's readers).
 */
export const claimDue = async (db: Queryable, options: { limit: number; leaseMs: number }): Promise<InboxRow[]> => {
  const result = await db.query<DbRow>(
    `${CLAIM}
      WHERE id IN (SELECT id FROM payments_inbox
                    WHERE status IN ('pending', 'processing') AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
      ${RETURNING}`,
    [options.limit, options.leaseMs],
  );
  return result.rows.map(toRow).sort((a, b) => a.id - b.id);
};

/**
 * Ends a claim. Fenced by `attempts`: if this worker's lease ran out and another worker claimed
 * the row again, this worker's late answer is dropped (the other one's stands; the ledger made
 * both harmless anyway). Returns whether the row was updated.
 */
export const finishRow = async (db: Queryable, row: InboxRow, result: InboxFinish): Promise<boolean> => {
  const updated = await db.query(
    `UPDATE payments_inbox SET status = $3, outcome = $4, payment_id = coalesce($5, payment_id),
            last_error = $6, processed_at = now()
      WHERE id = $1 AND attempts = $2 AND status = 'processing'`,
    [
      row.id,
      row.attempts,
      result.status,
      clip(result.outcome),
      result.paymentId ?? null,
      result.error ? clip(result.error) : null,
    ],
  );
  return updated.rowCount === 1;
};

/** Puts a claimed row back to be tried again after `delayMs`. */
export const retryRow = async (db: Queryable, row: InboxRow, retry: InboxRetry): Promise<boolean> => {
  const updated = await db.query(
    `UPDATE payments_inbox SET status = 'pending', last_error = $3, payment_id = coalesce($4, payment_id),
            next_attempt_at = now() + make_interval(secs => $5::double precision / 1000)
      WHERE id = $1 AND attempts = $2 AND status = 'processing'`,
    [row.id, row.attempts, clip(retry.error), retry.paymentId ?? null, retry.delayMs],
  );
  return updated.rowCount === 1;
};

/** Makes the waiting rows of one payment due now (a purchase just landed: its early refunds may go). */
export const wakeRowsOfPayment = async (db: Queryable, provider: Provider, paymentId: string): Promise<number> => {
  const updated = await db.query(
    `UPDATE payments_inbox SET next_attempt_at = now()
      WHERE provider = $1 AND payment_id = $2 AND status = 'pending' AND next_attempt_at > now()`,
    [provider, paymentId],
  );
  return updated.rowCount ?? 0;
};

/** How many rows are in each status, per provider. */
export const inboxCounts = async (
  db: Queryable,
): Promise<Array<{ provider: Provider; status: InboxStatus; count: number }>> => {
  const result = await db.query<{ provider: Provider; status: InboxStatus; count: number }>(
    'SELECT provider, status, count(*)::int AS count FROM payments_inbox ' +
      'GROUP BY provider, status ORDER BY provider, status',
  );
  return result.rows;
};

/** Claims one row by id if it is pending (or its lease ran out): to apply a delivery at once. */
export const claimRow = async (db: Queryable, id: number, leaseMs: number): Promise<InboxRow | undefined> => {
  const result = await db.query<DbRow>(
    `${CLAIM}
      WHERE id = (SELECT id FROM payments_inbox WHERE id = $1
                     AND (status = 'pending' OR (status = 'processing' AND next_attempt_at <= now()))
                  FOR UPDATE SKIP LOCKED)
      ${RETURNING}`,
    [id, leaseMs],
  );
  return result.rows[0] && toRow(result.rows[0]);
};

/** app/payments' PaymentInbox over this pool. */
export const postgresPaymentInbox = (db: Queryable): PaymentInbox => ({
  record: (delivery) => recordDelivery(db, delivery),
  claimDue: (options) => claimDue(db, options),
  claimRow: (id, leaseMs) => claimRow(db, id, leaseMs),
  finish: (row, result) => finishRow(db, row, result),
  retry: (row, retry) => retryRow(db, row, retry),
  wakeRowsOfPayment: (provider, paymentId) => wakeRowsOfPayment(db, provider, paymentId),
  counts: () => inboxCounts(db),
});
