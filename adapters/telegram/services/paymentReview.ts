import { randomUUID } from 'node:crypto';
import type { SuccessfulPayment } from 'grammy/types';
import type { EventStore } from '../../../core/eventstore/index.js';
import {
  paymentReviewStream,
  type PackageId,
  type PaymentHoldReason,
  type StarsPaymentHeldData,
} from '../../../core/ledger/index.js';

/**
 * A Stars payment that does not pay one of our invoices exactly is held for support: a
 * `StarsPaymentHeld` event in the payer's review stream, which the support timeline shows with
 * the account (`GET /admin/users/:userId/timeline`). One case per payment id: a redelivery adds none.
 */

const ACTOR = 'provider:telegram_stars';

export interface HeldPayment {
  userId: string;
  payment: SuccessfulPayment;
  refusal: { reason: PaymentHoldReason; packageId: PackageId | null; expectedAmount: number | null };
  occurredAt: string;
}

/** Appends the case unless this payment already has one; returns the position of the case. */
export const holdStarsPayment = async (store: EventStore, held: HeldPayment): Promise<number> => {
  const stream = paymentReviewStream(held.userId);
  const existing = await store.readStream(stream);
  const paymentId = held.payment.telegram_payment_charge_id;
  const earlier = existing.find((e) => (e.data as Partial<StarsPaymentHeldData>).paymentId === paymentId);
  if (earlier) return earlier.position;
  const data: StarsPaymentHeldData = {
    provider: 'telegram_stars',
    paymentId,
    userId: held.userId,
    reason: held.refusal.reason,
    paidAmount: held.payment.total_amount,
    currency: held.payment.currency,
    expectedAmount: held.refusal.expectedAmount,
    expectedCurrency: 'XTR',
    packageId: held.refusal.packageId,
    invoicePayload: held.payment.invoice_payload,
  };
  // The expected revision keeps a concurrent redelivery from opening a second case (it retries and finds this one).
  const written = await store.appendToStream(
    stream,
    [{ id: randomUUID(), type: 'StarsPaymentHeld', data, metadata: { occurredAt: held.occurredAt, actor: ACTOR } }],
    { expected: existing.at(-1)?.revision ?? 'no_stream' },
  );
  return written.position;
};
