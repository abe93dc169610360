import type Stripe from 'stripe';
import type { StarTransaction } from 'grammy/types';
import { ProviderRejected } from './errors.js';
import { rejected, type PaymentFact } from './facts.js';
import type { InboxRow } from './inbox.js';
import { stripeFact, stripeSessionFact } from '../../adapters/payments/stripe/webhook.js';
import { starsPurchaseFact, starsRefundFact, starsTransactionFact, type StarsPaymentRecord, type StarsRefundRecord } from '../../adapters/payments/telegramStars/invoice.js';
import type { YooKassaClient } from '../../adapters/payments/yookassa/client.js';
import { YooKassaNotificationSchema, yookassaFact, yookassaPurchase } from '../../adapters/payments/yookassa/notification.js';

/** Reads an inbox row into what it means for the ledger. May call a provider (YooKassa). */
export type Interpreter = (row: InboxRow) => Promise<PaymentFact>;

export interface InterpreterDependencies {
  /** Needed for YooKassa rows: notifications are checked against the API. */
  yookassa?: YooKassaClient | undefined;
}

const json = (row: InboxRow): unknown => JSON.parse(row.body.toString('utf8'));

const yookassaRow = async (client: YooKassaClient | undefined, row: InboxRow): Promise<PaymentFact> => {
  if (!client) throw new Error('YooKassa is not configured: its rows wait until it is');
  try {
    if (row.kind === 'yookassa.payment') return yookassaPurchase(await client.getPayment((json(row) as { id: string }).id));
    const notification = YooKassaNotificationSchema.safeParse(json(row));
    return notification.success ? await yookassaFact(client, notification.data) : rejected('not a YooKassa notification');
  } catch (error) {
    // The API does not know the object the notification names: forged.
    if (error instanceof ProviderRejected && error.code === 'not_found') return rejected(`YooKassa has no such object: ${error.message}`);
    throw error;
  }
};

/**
 * The body of a Stripe row was verified (signature) when it was received, and the reconciler's
 * rows come from Stripe's API: both are trusted as they are. A YooKassa row is a hint only: the
 * payment is read again from the API here, outside any request (STYLE §11).
 */
export const createInterpreter = (deps: InterpreterDependencies): Interpreter => async (row) => {
  switch (row.kind) {
    case 'stripe.event':
      return stripeFact(json(row) as Stripe.Event);
    case 'stripe.checkout_session':
      return stripeSessionFact(json(row) as Stripe.Checkout.Session, 'reconciled checkout session');
    case 'yookassa.notification':
    case 'yookassa.payment':
      return yookassaRow(deps.yookassa, row);
    case 'stars.successful_payment':
      return starsPurchaseFact(json(row) as StarsPaymentRecord);
    case 'stars.refunded_payment':
      return starsRefundFact(json(row) as StarsRefundRecord);
    case 'stars.transaction':
      return starsTransactionFact(json(row) as StarTransaction);
    default: {
      const _exhaustive: never = row.kind;
      return rejected(`unknown inbox kind ${String(_exhaustive)}`);
    }
  }
};
