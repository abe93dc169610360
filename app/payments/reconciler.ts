import type { Provider } from '../../core/ledger/commands.js';
import type { PaymentFact } from './facts.js';
import type { DeliveryRecorder, InboxKind } from './inbox.js';
import type { PurchaseIndex } from './purchases.js';

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

/** A payment a provider reports as paid, and what to record in the inbox for it. */
export interface PaidPayment {
  fact: Extract<PaymentFact, { kind: 'purchase' }>;
  kind: InboxKind;
  body: unknown;
}

/**
 * One provider's list of paid payments since a moment, at most RECONCILE_MAX_PAYMENTS of them
 * (a port: the payments adapter asks the provider's API). Throws when the provider cannot be asked.
 */
export interface PaidPaymentSource {
  provider: Provider;
  listPaid(since: Date): Promise<PaidPayment[]>;
}

/** Where the reconciler looks for credited payments and records the missing ones. */
export interface ReconcileStores {
  inbox: DeliveryRecorder;
  purchases: Pick<PurchaseIndex, 'recordedPaymentIds'>;
}

const reconcileProvider = async (stores: ReconcileStores, source: PaidPaymentSource, since: Date): Promise<ProviderReconciliation> => {
  const { provider } = source;
  try {
    const found = await source.listPaid(since);
    const credited = await stores.purchases.recordedPaymentIds(provider, found.map((f) => f.fact.paymentId));
    const missing = found.filter((f) => !credited.has(f.fact.paymentId));
    for (const item of missing) {
      await stores.inbox.record({
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
  stores: ReconcileStores,
  sources: readonly PaidPaymentSource[],
  options: { since?: Date; now?: Date } = {},
): Promise<Reconciliation> => {
  const since = options.since ?? new Date((options.now ?? new Date()).getTime() - RECONCILE_LOOKBACK_MS);
  const providers: ProviderReconciliation[] = [];
  for (const source of sources) providers.push(await reconcileProvider(stores, source, since));
  return { since: since.toISOString(), providers };
};

export interface ReconcilerSchedule {
  stop(): Promise<void>;
}

/** Runs the reconciler every `intervalMs` (first run after one interval); `onRun` gets each result. */
export const startReconciler = (
  stores: ReconcileStores,
  sources: readonly PaidPaymentSource[],
  options: { intervalMs?: number; onRun?: (result: Reconciliation) => void; onError?: (error: unknown) => void } = {},
): ReconcilerSchedule => {
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(() => reconcilePayments(stores, sources).then(options.onRun, options.onError));
  }, options.intervalMs ?? RECONCILE_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await current;
    },
  };
};
