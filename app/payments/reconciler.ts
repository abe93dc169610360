import { loopSettings, startLoop, type LoopServices } from '../loop/index.js';
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

const reconcileProvider = async (
  stores: ReconcileStores,
  source: PaidPaymentSource,
  since: Date,
): Promise<ProviderReconciliation> => {
  const { provider } = source;
  try {
    const found = await source.listPaid(since);
    const credited = await stores.purchases.recordedPaymentIds(
      provider,
      found.map((f) => f.fact.paymentId),
    );
    const missing = found.filter((f) => !credited.has(f.fact.paymentId));
    for (const item of missing) {
      await stores.inbox.record({
        provider,
        deliveryId: `reconcile:${item.fact.paymentId}`,
        kind: item.kind,
        source: 'reconciler',
        body: JSON.stringify(item.body),
      });
    }
    return {
      provider,
      paid: found.length,
      credited: found.length - missing.length,
      missing: missing.length,
      missingPaymentIds: missing.map((m) => m.fact.paymentId),
    };
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
  stores: ReconcileStores,
  sources: readonly PaidPaymentSource[],
  options: {
    intervalMs?: number;
    onRun?: (result: Reconciliation) => void;
    onError?: (error: unknown) => void;
    loops?: LoopServices | undefined;
  } = {},
): ReconcilerSchedule => {
  const intervalMs = options.intervalMs ?? RECONCILE_INTERVAL_MS;
  const loop = startLoop<never>({
    ...loopSettings(options.loops, true),
    name: RECONCILER_LOOP,
    idleMs: intervalMs,
    initialDelayMs: intervalMs,
    backoff: { baseMs: Math.min(RECONCILE_RETRY_MIN_MS, intervalMs), ceilingMs: intervalMs, jitter: 'equal' },
    step: async () => {
      try {
        options.onRun?.(await reconcilePayments(stores, sources));
      } catch (error) {
        options.onError?.(error);
        throw error;
      }
    },
  });
  return { stop: () => loop.stop() };
};
