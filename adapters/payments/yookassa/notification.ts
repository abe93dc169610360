import { z } from 'zod';
import { PACKAGE_IDS } from '../../../core/ledger/commands.js';
import { ignored, notFinal, rejected, type PaymentFact } from '../../../app/payments/facts.js';
import { ledgerCurrency, minorFromDecimal } from '../../../app/payments/money.js';
import type { YooKassaClient, YooKassaPayment } from './client.js';
import { isTelegramUserId } from '../../../core/ids/index.js';

/**
 * YooKassa's HTTP notification: `{ type: "notification", event, object }`, where object is the
 * payment or refund as it was when its status changed. It carries no signature, so it is only a
 * hint of what to look at: the processor reads the object from the API and acts on that.
 */
export const YooKassaNotificationSchema = z.looseObject({
  type: z.literal('notification'),
  event: z.string().min(1).max(100),
  object: z.looseObject({ id: z.string().min(1).max(100), status: z.string().optional() }),
});
export type YooKassaNotification = z.infer<typeof YooKassaNotificationSchema>;

/** The inbox delivery id of a notification: YooKassa sends none, and one object has one event of each type. */
export const yookassaDeliveryId = (notification: YooKassaNotification): string =>
  `${notification.event}:${notification.object.id}`;

/** The status the API must show for the object of each event we act on. */
const EXPECTED_STATUS: Readonly<Record<string, string>> = {
  'payment.succeeded': 'succeeded',
  'payment.canceled': 'canceled',
  'payment.waiting_for_capture': 'waiting_for_capture',
  'refund.succeeded': 'succeeded',
};

/**
 * Statuses a payment or refund leaves on its own: a notification that the API does not confirm
 * yet may be early (YooKassa can notify before its API shows the change), not forged. Issue 13:
 * such a notification was rejected, and its genuine redelivery then answered as a duplicate.
 */
const NOT_FINAL_STATUSES: ReadonlySet<string> = new Set(['pending', 'waiting_for_capture']);

/** A payment read from the API, as a purchase (or why not). */
export const yookassaPurchase = (payment: YooKassaPayment): PaymentFact => {
  if (payment.status !== 'succeeded' || !payment.paid)
    return rejected(`payment ${payment.id} is ${payment.status} at YooKassa`);
  const userId = payment.metadata?.userId;
  const packageId = PACKAGE_IDS.find((id) => id === payment.metadata?.packageId);
  if (!userId || !packageId)
    return rejected(`payment ${payment.id} has no userId/packageId metadata: not a Modera checkout`);
  if (!isTelegramUserId(userId))
    return rejected(`payment ${payment.id}: metadata.userId ${JSON.stringify(userId)} is not a Telegram user id`);
  const currency = ledgerCurrency(payment.amount.currency);
  const amountMinor = minorFromDecimal(payment.amount.value);
  if (!currency || amountMinor === undefined)
    return rejected(`payment ${payment.id}: unusable amount ${payment.amount.value} ${payment.amount.currency}`);
  return {
    kind: 'purchase',
    provider: 'yookassa',
    paymentId: payment.id,
    userId,
    packageId,
    amountMinor,
    currency,
    occurredAt: new Date(payment.captured_at ?? payment.created_at).toISOString(),
  };
};

const refundFact = async (client: YooKassaClient, refundId: string): Promise<PaymentFact> => {
  const refund = await client.getRefund(refundId);
  if (NOT_FINAL_STATUSES.has(refund.status)) {
    return notFinal(`refund ${refundId} is still ${refund.status} at YooKassa`);
  }
  if (refund.status !== 'succeeded') return rejected(`refund ${refundId} is ${refund.status} at YooKassa`);
  const payment = await client.getPayment(refund.payment_id);
  // refunded_amount is the total returned on the payment so far; the clawback follows it.
  const total = minorFromDecimal((payment.refunded_amount ?? refund.amount).value);
  if (total === undefined) return rejected(`refund ${refundId}: unusable amount`);
  return {
    kind: 'refund',
    provider: 'yookassa',
    paymentId: payment.id,
    refundKind: 'refund',
    amountMinor: total,
    occurredAt: new Date(refund.created_at).toISOString(),
    ...(payment.metadata?.userId ? { userId: payment.metadata.userId } : {}),
  };
};

/**
 * What a notification means, decided on the API's answer, never on the notification's body: a
 * notification whose status the API contradicts for good is rejected (it is forged, or stale);
 * one the API does not confirm yet (still pending) is asked about again later.
 */
export const yookassaFact = async (
  client: YooKassaClient,
  notification: YooKassaNotification,
): Promise<PaymentFact> => {
  const expected = EXPECTED_STATUS[notification.event];
  if (!expected) return ignored(`event ${notification.event} is not handled`);
  if (notification.object.status !== undefined && notification.object.status !== expected) {
    return rejected(`notification ${notification.event} carries status ${notification.object.status}`);
  }
  if (notification.event === 'refund.succeeded') return refundFact(client, notification.object.id);
  const payment = await client.getPayment(notification.object.id);
  if (payment.status !== expected && NOT_FINAL_STATUSES.has(payment.status)) {
    const apiSays = `the API still says payment ${payment.id} is ${payment.status}`;
    const reason = `notification says ${notification.event}, ${apiSays}`;
    return notFinal(reason, payment.id);
  }
  if (payment.status !== expected) {
    return rejected(`notification says ${notification.event}, the API says payment ${payment.id} is ${payment.status}`);
  }
  return notification.event === 'payment.succeeded' ? yookassaPurchase(payment) : ignored(`payment ${payment.status}`);
};
