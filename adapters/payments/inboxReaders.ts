import type Stripe from 'stripe';
import type { StarTransaction } from 'grammy/types';
import { ProviderRejected } from '../../app/payments/errors.js';
import { rejected, type PaymentFact } from '../../app/payments/facts.js';
import type { InboxRowReaders } from '../../app/payments/interpret.js';
import {
  starsPurchaseFact,
  starsRefundFact,
  type StarsPaymentRecord,
  type StarsRefundRecord,
} from '../../app/payments/stars.js';
import { stripeFact, stripeSessionFact } from './stripe/webhook.js';
import { starsTransactionFact } from './telegramStars/transactions.js';
import type { YooKassaClient } from './yookassa/client.js';
import { YooKassaNotificationSchema, yookassaFact, yookassaPurchase } from './yookassa/notification.js';

export interface InboxReaderDependencies {
  /** Needed for YooKassa rows: notifications are checked against the API. */
  yookassa?: YooKassaClient | undefined;
}

type YooKassaRead = (client: YooKassaClient) => Promise<PaymentFact>;

const yookassaRow = async (client: YooKassaClient | undefined, read: YooKassaRead): Promise<PaymentFact> => {
  if (!client) throw new Error('YooKassa is not configured: its rows wait until it is');
  try {
    return await read(client);
  } catch (error) {
    // The API does not know the object the notification names: forged.
    if (error instanceof ProviderRejected && error.code === 'not_found') {
      return rejected(`YooKassa has no such object: ${error.message}`);
    }
    throw error;
  }
};

/**
 * How each provider's inbox rows read (the readers of app/payments' interpreter). Stripe and
 * Stars rows are read as they are; a YooKassa row is a hint, checked against the API.
 */
export const paymentInboxReaders = (deps: InboxReaderDependencies): InboxRowReaders => ({
  'stripe.event': (body) => stripeFact(body as Stripe.Event),
  'stripe.checkout_session': (body) =>
    stripeSessionFact(body as Stripe.Checkout.Session, 'reconciled checkout session'),
  'yookassa.notification': (body) =>
    yookassaRow(deps.yookassa, async (client) => {
      const notification = YooKassaNotificationSchema.safeParse(body);
      if (!notification.success) return rejected('not a YooKassa notification');
      return yookassaFact(client, notification.data);
    }),
  'yookassa.payment': (body) =>
    yookassaRow(deps.yookassa, async (client) =>
      yookassaPurchase(await client.getPayment((body as { id: string }).id)),
    ),
  'stars.successful_payment': (body) => starsPurchaseFact(body as StarsPaymentRecord),
  'stars.refunded_payment': (body) => starsRefundFact(body as StarsRefundRecord),
  'stars.transaction': (body) => starsTransactionFact(body as StarTransaction),
});
