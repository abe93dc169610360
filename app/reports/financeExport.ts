import type { EventStore, RecordedEvent } from '../../core/eventstore/index.js';
import type {
  CreditsAdjustedData,
  CreditsGrantedData,
  CreditsPurchasedData,
  Currency,
  Provider,
  PurchaseRefundedData,
  ReservationCapturedData,
} from '../../core/ledger/index.js';
import { toCsv } from './csv.js';
import { readCategories, userIdOfStream } from './read.js';

/**
 * The ledger export for finance: every movement of credits in a period, one row per event, with
 * its money, and totals per type, currency and provider that are sums of those rows. A period is
 * half-open, `from <= recordedAt < to`, by the time the event was recorded (see `recordedBy`), so
 * consecutive periods split the log without overlap and a closed period's export never changes.
 *
 * Signs are the user's balance's: credits in are positive, out negative. Money is signed the same
 * way from the business's side of the purchase: received positive, returned (refund, chargeback)
 * negative; null where no money moved.
 */

export const MOVEMENT_TYPES = ['purchase', 'grant', 'usage', 'refund', 'chargeback', 'adjustment'] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

export interface LedgerRow {
  position: number;
  eventId: string;
  userId: string;
  type: MovementType;
  credits: number;
  amountMinor: number | null;
  currency: Currency | null;
  provider: Provider | null;
  paymentId: string | null;
  occurredAt: string;
  recordedAt: string;
}

export interface LedgerTotal {
  type: MovementType;
  currency: Currency | null;
  provider: Provider | null;
  count: number;
  credits: number;
  amountMinor: number;
}

export interface LedgerExport {
  from: string;
  to: string;
  rows: LedgerRow[];
  totals: LedgerTotal[];
}

export const LEDGER_CSV_COLUMNS = [
  'position',
  'eventId',
  'userId',
  'type',
  'credits',
  'amountMinor',
  'currency',
  'provider',
  'paymentId',
  'occurredAt',
  'recordedAt',
] as const satisfies ReadonlyArray<keyof LedgerRow>;

type Movement = Pick<LedgerRow, 'type' | 'credits' | 'amountMinor' | 'currency' | 'provider' | 'paymentId'>;

const NO_MONEY = { amountMinor: null, currency: null, provider: null, paymentId: null } as const;

/** The movement an account event makes, or undefined for one that moves no credits (holds, opening). */
export const movementOf = (event: RecordedEvent): Movement | undefined => {
  switch (event.type) {
    case 'CreditsPurchased': {
      const d = event.data as CreditsPurchasedData;
      return {
        type: 'purchase',
        credits: d.credits,
        amountMinor: d.amountMinor,
        currency: d.currency,
        provider: d.provider,
        paymentId: d.paymentId,
      };
    }
    case 'PurchaseRefunded': {
      const d = event.data as PurchaseRefundedData;
      return {
        type: d.kind,
        credits: -d.credits,
        amountMinor: -d.amountMinor,
        currency: d.currency,
        provider: d.provider,
        paymentId: d.paymentId,
      };
    }
    case 'CreditsGranted':
      return { type: 'grant', credits: (event.data as CreditsGrantedData).credits, ...NO_MONEY };
    case 'ReservationCaptured':
      return { type: 'usage', credits: -(event.data as ReservationCapturedData).credits, ...NO_MONEY };
    case 'CreditsAdjusted':
      return { type: 'adjustment', credits: (event.data as CreditsAdjustedData).delta, ...NO_MONEY };
    default:
      return undefined;
  }
};

export const rowOf = (event: RecordedEvent): LedgerRow | undefined => {
  const movement = movementOf(event);
  const userId = userIdOfStream(event.stream);
  if (!movement || userId === undefined) return undefined;
  const occurredAt = typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt;
  return { position: event.position, eventId: event.id, userId, ...movement, occurredAt, recordedAt: event.recordedAt };
};

const order = (t: LedgerTotal): string => `${MOVEMENT_TYPES.indexOf(t.type)}|${t.currency ?? ''}|${t.provider ?? ''}`;

/** Totals per (type, currency, provider): exactly the sums of the rows. */
export const totalsOf = (rows: readonly LedgerRow[]): LedgerTotal[] => {
  const totals = new Map<string, LedgerTotal>();
  for (const row of rows) {
    const key = `${row.type}|${row.currency ?? ''}|${row.provider ?? ''}`;
    const total = totals.get(key) ?? {
      type: row.type,
      currency: row.currency,
      provider: row.provider,
      count: 0,
      credits: 0,
      amountMinor: 0,
    };
    total.count += 1;
    total.credits += row.credits;
    total.amountMinor += row.amountMinor ?? 0;
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => order(a).localeCompare(order(b)));
};

/** Every account event recorded in `[from, to)` that moves credits, in position order. */
export const exportLedger = async (store: EventStore, period: { from: string; to: string }): Promise<LedgerExport> => {
  const fromMs = Date.parse(period.from);
  const toMs = Date.parse(period.to);
  const rows: LedgerRow[] = [];
  for await (const page of readCategories(store, ['account'])) {
    for (const event of page) {
      const at = Date.parse(event.recordedAt);
      if (at < fromMs || at >= toMs) continue;
      const row = rowOf(event);
      if (row) rows.push(row);
    }
  }
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), rows, totals: totalsOf(rows) };
};

export const ledgerCsv = (ledger: LedgerExport): string => toCsv(LEDGER_CSV_COLUMNS, ledger.rows);
