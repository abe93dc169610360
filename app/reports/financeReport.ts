import type { EventStore } from '../../core/eventstore/index.js';
import { foldAccount, summaryOf, type Account, type Currency } from '../../core/ledger/index.js';
import { rowOf, type LedgerRow } from './financeExport.js';
import { asAccountEvent, readCategories, userIdOfStream, type AccountState } from './read.js';

/**
 * Finance figures from the events: every account's balance as of a moment, and per day revenue,
 * credits sold and consumed, refunds, chargebacks, the outstanding liability (unspent credits)
 * and the AI cost per feature. Moments and days are judged by `recordedAt`, like the export, so
 * the figures tie out to `exportLedger` rows.
 */

/** The longest period one report covers. */
export const REPORT_MAX_DAYS = 400;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AccountBalance extends AccountState {
  userId: string;
}

export interface BalancesAsOf {
  asOf: string;
  accounts: AccountBalance[];
  totals: {
    accounts: number;
    balance: number;
    held: number;
    available: number;
    liabilityCredits: number;
    debtCredits: number;
  };
}

type Money = Record<Currency, number>;
const noMoney = (): Money => ({ RUB: 0, USD: 0, XTR: 0 });

export interface DailyFigures {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  revenueMinor: Money;
  refundsMinor: Money;
  chargebacksMinor: Money;
  creditsSold: number;
  creditsGranted: number;
  creditsConsumed: number;
  creditsRefunded: number;
  creditsChargedBack: number;
  creditsAdjusted: number;
  /** Unspent credits owed to users at the end of the day: the sum of positive balances. */
  liabilityCredits: number;
  /** Credits users owe (negative balances after clawbacks) at the end of the day. */
  debtCredits: number;
  aiCostMicroUsd: { tryon: number; styling: number };
}

export interface FinanceReport {
  from: string;
  to: string;
  days: DailyFigures[];
}

/** Every account's state from the events recorded before `asOf` (exclusive, like an export's `to`). */
export const balancesAsOf = async (store: EventStore, asOf: string): Promise<BalancesAsOf> => {
  const asOfMs = Date.parse(asOf);
  const accounts = new Map<string, Account>();
  for await (const page of readCategories(store, ['account'])) {
    const byStream = new Map<string, typeof page>();
    for (const event of page) {
      if (Date.parse(event.recordedAt) >= asOfMs) continue;
      byStream.set(event.stream, [...(byStream.get(event.stream) ?? []), event]);
    }
    for (const [stream, events] of byStream)
      accounts.set(stream, foldAccount(events.map(asAccountEvent), accounts.get(stream)));
  }
  const rows = [...accounts].map(([stream, account]) => ({
    userId: userIdOfStream(stream)!,
    ...summaryOf(account.core),
  }));
  rows.sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1));
  const sum = (f: (r: AccountBalance) => number) => rows.reduce((total, r) => total + f(r), 0);
  return {
    asOf: new Date(asOfMs).toISOString(),
    accounts: rows,
    totals: {
      accounts: rows.length,
      balance: sum((r) => r.balance),
      held: sum((r) => r.held),
      available: sum((r) => r.available),
      liabilityCredits: sum((r) => Math.max(0, r.balance)),
      debtCredits: sum((r) => Math.max(0, -r.balance)),
    },
  };
};

const emptyDay = (day: string): DailyFigures => ({
  day,
  revenueMinor: noMoney(),
  refundsMinor: noMoney(),
  chargebacksMinor: noMoney(),
  creditsSold: 0,
  creditsGranted: 0,
  creditsConsumed: 0,
  creditsRefunded: 0,
  creditsChargedBack: 0,
  creditsAdjusted: 0,
  liabilityCredits: 0,
  debtCredits: 0,
  aiCostMicroUsd: { tryon: 0, styling: 0 },
});

/** Money of a row into a per-currency sum, as a positive figure. */
const addMoney = (sum: Money, row: LedgerRow): void => {
  if (row.currency !== null && row.amountMinor !== null) sum[row.currency] += Math.abs(row.amountMinor);
};

const addMovement = (day: DailyFigures, row: LedgerRow): void => {
  switch (row.type) {
    case 'purchase':
      day.creditsSold += row.credits;
      addMoney(day.revenueMinor, row);
      break;
    case 'refund':
      day.creditsRefunded -= row.credits;
      addMoney(day.refundsMinor, row);
      break;
    case 'chargeback':
      day.creditsChargedBack -= row.credits;
      addMoney(day.chargebacksMinor, row);
      break;
    case 'grant':
      day.creditsGranted += row.credits;
      break;
    case 'usage':
      day.creditsConsumed -= row.credits;
      break;
    case 'adjustment':
      day.creditsAdjusted += row.credits;
      break;
    default: {
      const _exhaustive: never = row.type;
      throw new Error(`unknown movement ${String(_exhaustive)}`);
    }
  }
};

type Timed = {
  at: number;
  position: number;
  row?: LedgerRow;
  ai?: { feature: 'tryon' | 'styling'; costMicroUsd: number };
};

const SUCCESS_EVENTS: Record<string, 'tryon' | 'styling'> = { TryOnSucceeded: 'tryon', StylingSucceeded: 'styling' };

/** Movements and AI costs of the whole log, in recording order. */
const readTimed = async (store: EventStore): Promise<Timed[]> => {
  const timed: Timed[] = [];
  for await (const page of readCategories(store, ['account', 'tryon', 'styling'])) {
    for (const event of page) {
      const at = Date.parse(event.recordedAt);
      const feature = SUCCESS_EVENTS[event.type];
      if (feature)
        timed.push({
          at,
          position: event.position,
          ai: { feature, costMicroUsd: (event.data as { costMicroUsd: number }).costMicroUsd },
        });
      const row = rowOf(event);
      if (row) timed.push({ at, position: event.position, row });
    }
  }
  return timed.sort((a, b) => a.at - b.at || a.position - b.position);
};

/** Per-day figures for the UTC days that `[from, to)` touches. */
export const financeReport = async (
  store: EventStore,
  period: { from: string; to: string },
): Promise<FinanceReport> => {
  const fromMs = Math.floor(Date.parse(period.from) / DAY_MS) * DAY_MS;
  const toMs = Math.ceil(Date.parse(period.to) / DAY_MS) * DAY_MS;
  if ((toMs - fromMs) / DAY_MS > REPORT_MAX_DAYS)
    throw new RangeError(`a report covers at most ${REPORT_MAX_DAYS} days`);
  const balances = new Map<string, number>();
  let liability = 0;
  let debt = 0;
  const days: DailyFigures[] = [];
  const timed = await readTimed(store);
  let next = 0;
  for (let dayStart = fromMs; dayStart < toMs; dayStart += DAY_MS) {
    const day = emptyDay(new Date(dayStart).toISOString().slice(0, 10));
    for (; next < timed.length && timed[next]!.at < dayStart + DAY_MS; next++) {
      const { at, row, ai } = timed[next]!;
      if (row) {
        const before = balances.get(row.userId) ?? 0;
        const after = before + row.credits;
        balances.set(row.userId, after);
        liability += Math.max(0, after) - Math.max(0, before);
        debt += Math.max(0, -after) - Math.max(0, -before);
      }
      if (at < dayStart) continue; // before the period: only the balances matter
      if (row) addMovement(day, row);
      if (ai) day.aiCostMicroUsd[ai.feature] += ai.costMicroUsd;
    }
    days.push({ ...day, liabilityCredits: liability, debtCredits: debt });
  }
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), days };
};
