import type { Api } from 'grammy';
import type { StarTransaction } from 'grammy/types';
import type Stripe from 'stripe';
import type { PaymentFact } from '../../app/payments/facts.js';
import type { InboxKind } from '../../app/payments/inbox.js';
import { RECONCILE_MAX_PAYMENTS, type PaidPayment, type PaidPaymentSource } from '../../app/payments/reconciler.js';
import { callStripe } from './stripe/client.js';
import { stripeSessionFact } from './stripe/webhook.js';
import { starsTransactionFact } from './telegramStars/transactions.js';
import type { YooKassaClient } from './yookassa/client.js';
import { yookassaPurchase } from './yookassa/notification.js';

/** The provider clients the reconciler asks; a provider left out is not asked. */
export interface PaidPaymentClients {
  stripe?: Stripe | undefined;
  yookassa?: YooKassaClient | undefined;
  telegram?: Pick<Api, 'getStarTransactions'> | undefined;
}

const purchaseOrNothing = (fact: PaymentFact, kind: InboxKind, body: unknown): PaidPayment[] =>
  fact.kind === 'purchase' ? [{ fact, kind, body }] : [];

const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

const stripePaid = async (stripe: Stripe, since: Date): Promise<PaidPayment[]> => {
  const found: PaidPayment[] = [];
  let seen = 0;
  await callStripe(async () => {
    const sessions = stripe.checkout.sessions.list({
      created: { gte: unixSeconds(since) },
      status: 'complete',
      limit: 100,
    });
    for await (const session of sessions) {
      found.push(...purchaseOrNothing(stripeSessionFact(session, 'reconciler'), 'stripe.checkout_session', session));
      if (++seen >= RECONCILE_MAX_PAYMENTS) break;
    }
  });
  return found;
};

const yookassaPaid = async (client: YooKassaClient, since: Date): Promise<PaidPayment[]> => {
  const found: PaidPayment[] = [];
  let cursor: string | undefined;
  for (let seen = 0; seen < RECONCILE_MAX_PAYMENTS;) {
    const page = await client.listPayments({
      status: 'succeeded',
      createdGte: since.toISOString(),
      ...(cursor ? { cursor } : {}),
    });
    for (const payment of page.items) {
      found.push(...purchaseOrNothing(yookassaPurchase(payment), 'yookassa.payment', { id: payment.id }));
    }
    seen += page.items.length;
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  return found;
};

/** getStarTransactions pages from the oldest; we read up to the limit and keep the recent ones. */
const starsPaid = async (api: Pick<Api, 'getStarTransactions'>, since: Date): Promise<PaidPayment[]> => {
  const found: PaidPayment[] = [];
  for (let offset = 0; offset < RECONCILE_MAX_PAYMENTS; offset += 100) {
    const { transactions } = await api.getStarTransactions({ offset, limit: 100 });
    const recent = transactions.filter((tx: StarTransaction) => tx.date >= unixSeconds(since));
    for (const tx of recent) found.push(...purchaseOrNothing(starsTransactionFact(tx), 'stars.transaction', tx));
    if (transactions.length < 100) break;
  }
  return found;
};

/** The reconciler's sources for every configured provider, in a fixed order (Stripe, YooKassa, Stars). */
export const paidPaymentSources = (clients: PaidPaymentClients): PaidPaymentSource[] => {
  const { stripe, yookassa, telegram } = clients;
  const sources: PaidPaymentSource[] = [];
  if (stripe) sources.push({ provider: 'stripe', listPaid: (since) => stripePaid(stripe, since) });
  if (yookassa) sources.push({ provider: 'yookassa', listPaid: (since) => yookassaPaid(yookassa, since) });
  if (telegram) sources.push({ provider: 'telegram_stars', listPaid: (since) => starsPaid(telegram, since) });
  return sources;
};
