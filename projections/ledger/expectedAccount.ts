import type { RecordedEvent } from '../../core/eventstore/index.js';
import { foldAccount, summaryOf, type AccountEvent } from '../../core/ledger/index.js';

/**
 * What the read tables should hold for one account, worked out from its stream alone with the
 * ledger's own fold (`foldAccount`, the same `evolve` commands decide on), not with the
 * projection's code: reconcile compares two independent derivations.
 */
export interface AccountFigures {
  credits: number;
  credits_reserved: number;
  in_debt: boolean;
  /** sum(credit_transactions.credits_amount): must equal `credits`. */
  transactions_credits_sum: number;
  /** -sum(credits_amount) of pending usage rows: must equal `credits_reserved`. */
  transactions_pending_held: number;
  transactions_count: number;
  total_spent_rub_minor: number;
  total_spent_usd_minor: number;
  total_spent_xtr_minor: number;
  last_position: number;
}

export type AccountField = keyof AccountFigures;

export const ACCOUNT_FIELDS: readonly AccountField[] = [
  'credits',
  'credits_reserved',
  'in_debt',
  'transactions_credits_sum',
  'transactions_pending_held',
  'transactions_count',
  'total_spent_rub_minor',
  'total_spent_usd_minor',
  'total_spent_xtr_minor',
  'last_position',
];

const spentField = {
  RUB: 'total_spent_rub_minor',
  USD: 'total_spent_usd_minor',
  XTR: 'total_spent_xtr_minor',
} as const;

/** The figures of an account from its events (in stream order); throws when the fold does. */
export const expectedAccount = (events: readonly RecordedEvent[]): AccountFigures => {
  const accountEvents = events.map((e) => ({ type: e.type, data: e.data }) as AccountEvent);
  const summary = summaryOf(foldAccount(accountEvents).core);
  const figures: AccountFigures = {
    credits: summary.available,
    credits_reserved: summary.held,
    in_debt: summary.inDebt,
    transactions_credits_sum: summary.available,
    transactions_pending_held: summary.held,
    transactions_count: 0,
    total_spent_rub_minor: 0,
    total_spent_usd_minor: 0,
    total_spent_xtr_minor: 0,
    last_position: events[events.length - 1]?.position ?? 0,
  };
  for (const event of accountEvents) {
    // One row per event, but for the opening and a capture that used the whole hold.
    const adds =
      event.type !== 'AccountOpened' && !(event.type === 'ReservationCaptured' && event.data.releasedCredits === 0);
    if (adds) figures.transactions_count += 1;
    if (event.type === 'CreditsPurchased') figures[spentField[event.data.currency]] += event.data.amountMinor;
    if (event.type === 'PurchaseRefunded') figures[spentField[event.data.currency]] -= event.data.amountMinor;
  }
  return figures;
};
