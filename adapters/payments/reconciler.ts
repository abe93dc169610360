import type { Api } from 'grammy';
import type { StarTransaction } from 'grammy/types';
import type pg from 'pg';
import type Stripe from 'stripe';
import { loopSettings, startLoop, type LoopServices } from '../../app/loop/index.js';
import type { Provider } from '../../core/ledger/commands.js';
import type { PaymentFact } from './facts.js';
import { recordDelivery, type InboxKind } from './inbox.js';
import { recordedPaymentIds } from './purchases.js';
import { callStripe } from './stripe/client.js';
import { stripeSessionFact } from './stripe/webhook.js';
import { starsTransactionFact } from './telegramStars/invoice.js';
import type { YooKassaClient } from './yookassa/client.js';
import { yookassaPurchase } from './yookassa/notification.js';

/**
 * The reconciler: asks each provider for its recent paid payments and records, in the payments
 * inbox, every one that is not credited yet (a webhook lost, refused, or never sent). The
 * processor then credits them like any delivery: by the payment id, so exactly once, however
 * often the reconciler runs and whatever webhook turns up later.
 */

/** How far back a run looks by default: Stripe retries a webhook for three days. */
export const RECONCILE_LOOKBACK_MS = 72 * 60 * 60 * 1000;
/** Payments looked at per provider per run, at most (pages of 100). */
export const RECONCILE_MAX_PAYMENTS = 10_000;
/** How often the scheduled run happens. */
export const RECONCILE_INTERVAL_MS = 15 * 60 * 1000;

export interface ReconcileSources {
  stripe?: Stripe | undefined;
  yookassa?: YooKassaClient | undefined;
  telegram?: Pick<Api, 'getStarTransactions'> | undefined;
}

export interface ProviderReconciliation {
  provider: Provider;
  /** Paid payments of ours the provider reported since `since`. */
  paid: number;
  /** Of those, already credited. */
  credited: number;
  /** Of those, not credited: recorded in the inbox now (or already waiting there). */
  missing: number;
  missingPaymentIds: string[];
  /** Set when the provider could not be asked; the other providers still ran. */
  error?: string;
}

export interface Reconciliation {
  since: string;
  providers: ProviderReconciliation[];
}

interface Found {
  fact: Extract<PaymentFact, { kind: 'purchase' }>;
  kind: InboxKind;
  body: unknown;
}

const purchaseOrNothing = (fact: PaymentFact, kind: InboxKind, body: unknown): Found[] =>
  fact.kind === 'purchase' ? [{ fact, kind, body }] : [];

const stripePaid = async (stripe: Stripe, sinceSeconds: number): Promise<Found[]> => {
  const found: Found[] = [];
  let seen = 0;
  await callStripe(async () => {
    for await (const session of stripe.checkout.sessions.list({ created: { gte: sinceSeconds }, status: 'complete', limit: 100 })) {
      found.push(...purchaseOrNothing(stripeSessionFact(session, 'reconciler'), 'stripe.checkout_session', session));
      if (++seen >= RECONCILE_MAX_PAYMENTS) break;
    }
  });
  return found;
};

const yookassaPaid = async (client: YooKassaClient, since: string): Promise<Found[]> => {
  const found: Found[] = [];
  let cursor: string | undefined;
  for (let seen = 0; seen < RECONCILE_MAX_PAYMENTS;) {
    const page = await client.listPayments({ status: 'succeeded', createdGte: since, ...(cursor ? { cursor } : {}) });
    for (const payment of page.items) found.push(...purchaseOrNothing(yookassaPurchase(payment), 'yookassa.payment', { id: payment.id }));
    seen += page.items.length;
    if (!page.nextCursor || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  return found;
};

/** getStarTransactions pages from the oldest; we read up to the limit and keep the recent ones. */
const starsPaid = async (api: Pick<Api, 'getStarTransactions'>, sinceSeconds: number): Promise<Found[]> => {
  const found: Found[] = [];
  for (let offset = 0; offset < RECONCILE_MAX_PAYMENTS; offset += 100) {
    const { transactions } = await api.getStarTransactions({ offset, limit: 100 });
    const recent = transactions.filter((tx: StarTransaction) => tx.date >= sinceSeconds);
    for (const tx of recent) found.push(...purchaseOrNothing(starsTransactionFact(tx), 'stars.transaction', tx));
    if (transactions.length < 100) break;
  }
  return found;
};

const reconcileProvider = async (pool: pg.Pool, provider: Provider, list: () => Promise<Found[]>): Promise<ProviderReconciliation> => {
  try {
    const found = await list();
    const credited = await recordedPaymentIds(pool, provider, found.map((f) => f.fact.paymentId));
    const missing = found.filter((f) => !credited.has(f.fact.paymentId));
    for (const item of missing) {
      await recordDelivery(pool, {
        provider, deliveryId: `reconcile:${item.fact.paymentId}`, kind: item.kind, source: 'reconciler', body: JSON.stringify(item.body),
      });
    }
    return { provider, paid: found.length, credited: found.length - missing.length, missing: missing.length, missingPaymentIds: missing.map((m) => m.fact.paymentId) };
  } catch (error) {
    return { provider, paid: 0, credited: 0, missing: 0, missingPaymentIds: [], error: (error as Error).message };
  }
};

/** One reconciliation run over every configured provider. */
export const reconcilePayments = async (
  pool: pg.Pool,
  sources: ReconcileSources,
  options: { since?: Date; now?: Date } = {},
): Promise<Reconciliation> => {
  const since = options.since ?? new Date((options.now ?? new Date()).getTime() - RECONCILE_LOOKBACK_MS);
  const sinceSeconds = Math.floor(since.getTime() / 1000);
  const providers: ProviderReconciliation[] = [];
  const { stripe, yookassa, telegram } = sources;
  if (stripe) providers.push(await reconcileProvider(pool, 'stripe', () => stripePaid(stripe, sinceSeconds)));
  if (yookassa) providers.push(await reconcileProvider(pool, 'yookassa', () => yookassaPaid(yookassa, since.toISOString())));
  if (telegram) providers.push(await reconcileProvider(pool, 'telegram_stars', () => starsPaid(telegram, sinceSeconds)));
  return { since: since.toISOString(), providers };
};

export interface ReconcilerSchedule {
  stop(): Promise<void>;
}

/** The reconciler's loop: one instance across processes (its lease), a run every interval. */
export const RECONCILER_LOOP = 'payments-reconciler';
/** After a run that failed as a whole (the database away), try again from this, doubling up to the interval. */
export const RECONCILE_RETRY_MIN_MS = 60_000;

/**
 * Runs the reconciler every `intervalMs` (first run after one interval) on the durable loop;
 * `onRun` gets each result. What it writes is keyed by payment id, so a run by a holder that
 * lost its lease records nothing twice: it needs no fence.
 */
export const startReconciler = (
  pool: pg.Pool,
  sources: ReconcileSources,
  options: {
    intervalMs?: number; onRun?: (result: Reconciliation) => void; onError?: (error: unknown) => void; loops?: LoopServices | undefined;
  } = {},
): ReconcilerSchedule => {
  const intervalMs = options.intervalMs ?? RECONCILE_INTERVAL_MS;
  const loop = startLoop<never>({
    ...loopSettings(options.loops, true),
    name: RECONCILER_LOOP, idleMs: intervalMs, initialDelayMs: intervalMs,
    backoff: { baseMs: Math.min(RECONCILE_RETRY_MIN_MS, intervalMs), ceilingMs: intervalMs, jitter: 'equal' },
    step: async () => {
      try {
        options.onRun?.(await reconcilePayments(pool, sources));
      } catch (error) {
        options.onError?.(error);
        throw error;
      }
    },
  });
  return { stop: () => loop.stop() };
};
