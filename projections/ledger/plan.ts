import type { RecordedEvent } from '../../core/eventstore/index.js';
import type { AccountEvent, Currency, TelegramProfile } from '../../core/ledger/index.js';
import { UnprojectableEvent } from '../errors.js';
import type { ProjectedAccountEvent } from './accountEvents.js';

/**
 * What a batch of account events does to the read tables, worked out in memory (pure): one
 * change per user (sums of the batch, applied with one statement for all users), the new
 * `credit_transactions` rows, and the usage rows of earlier batches that the batch settles.
 * Events at or below a user's `last_position` were applied before and are left out: that is
 * what makes re-applying a batch, or any part of it, change nothing.
 */

export type TransactionType = 'purchase' | 'usage' | 'refund' | 'grant' | 'adjustment' | 'clawback';
export type TransactionStatus = 'pending' | 'completed' | 'released';

export interface UserChange {
  id: number;
  /** Set when the batch opens the account: the row is inserted, not updated. */
  opened?: { profile: TelegramProfile; createdAt: string };
  /** Deltas of the batch. */
  credits: number;
  reserved: number;
  spentMinor: Record<Currency, number>;
  lastPosition: number;
  updatedAt: string;
}

export interface TransactionRow {
  id: string;
  userId: number;
  type: TransactionType;
  status: TransactionStatus;
  credits: number;
  amountMinor: number | null;
  currency: Currency | null;
  provider: string | null;
  paymentId: string | null;
  feature: string | null;
  sessionId: string | null;
  reservationId: string | null;
  reason: string | null;
  operator: string | null;
  position: number;
  createdAt: string;
}

/** A usage row from an earlier batch whose hold this batch captured or released. */
export interface Settlement {
  userId: number;
  reservationId: string;
  status: 'completed' | 'released';
  /** The capture or release, without its data: only named if the usage row is missing. */
  by: RecordedEvent;
}

export interface LedgerPlan {
  users: UserChange[];
  transactions: TransactionRow[];
  settlements: Settlement[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Rows are built in one literal with every field, then filled in: one allocation and one object
// shape per row, which matters when a rebuild plans a million of them.
const row = (
  e: ProjectedAccountEvent,
  type: TransactionType,
  credits: number,
  status: TransactionStatus = 'completed',
): TransactionRow => ({
  id: e.recorded.id,
  userId: e.userId,
  type,
  status,
  credits,
  amountMinor: null,
  currency: null,
  provider: null,
  paymentId: null,
  feature: null,
  sessionId: null,
  reservationId: null,
  reason: null,
  operator: null,
  position: e.recorded.position,
  createdAt: e.occurredAt,
});

const withHold = (r: TransactionRow, data: { reservationId: string; feature: string }): TransactionRow => {
  r.reservationId = data.reservationId;
  r.feature = data.feature;
  // Sessions use their session id as the reservation id (core/sessions).
  r.sessionId = UUID.test(data.reservationId) ? data.reservationId : null;
  return r;
};

const withMoney = (
  r: TransactionRow,
  amountMinor: number,
  currency: Currency,
  provider: string,
  paymentId: string,
): TransactionRow => {
  r.amountMinor = amountMinor;
  r.currency = currency;
  r.provider = provider;
  r.paymentId = paymentId;
  return r;
};

const withReason = (r: TransactionRow, reason: string, operator: string | null = null): TransactionRow => {
  r.reason = reason;
  r.operator = operator;
  return r;
};

/** Applies an event to its user's sums; returns the row it adds, if any. */
const applyEffect = (change: UserChange, e: ProjectedAccountEvent): TransactionRow | undefined => {
  const event: AccountEvent = e.event;
  switch (event.type) {
    case 'AccountOpened':
      return undefined;
    case 'CreditsPurchased': {
      const d = event.data;
      change.credits += d.credits;
      change.spentMinor[d.currency] += d.amountMinor;
      return withMoney(row(e, 'purchase', d.credits), d.amountMinor, d.currency, d.provider, d.paymentId);
    }
    case 'CreditsGranted':
      change.credits += event.data.credits;
      return withReason(row(e, 'grant', event.data.credits), event.data.reason, event.data.operator);
    case 'CreditsReserved':
      change.credits -= event.data.heldCredits;
      change.reserved += event.data.heldCredits;
      return withHold(row(e, 'usage', -event.data.heldCredits, 'pending'), event.data);
    case 'ReservationCaptured': {
      const d = event.data;
      change.credits += d.releasedCredits;
      change.reserved -= d.heldCredits;
      return d.releasedCredits > 0 ? withReason(withHold(row(e, 'refund', d.releasedCredits), d), 'unused') : undefined;
    }
    case 'ReservationReleased': {
      const d = event.data;
      change.credits += d.heldCredits;
      change.reserved -= d.heldCredits;
      return withReason(withHold(row(e, 'refund', d.heldCredits), d), d.reason);
    }
    case 'PurchaseRefunded': {
      const d = event.data;
      change.credits -= d.credits;
      change.spentMinor[d.currency] -= d.amountMinor;
      return withReason(
        withMoney(row(e, 'clawback', -d.credits), -d.amountMinor, d.currency, d.provider, d.paymentId),
        d.kind,
      );
    }
    case 'CreditsAdjusted':
      change.credits += event.data.delta;
      return withReason(row(e, 'adjustment', event.data.delta), event.data.reason, event.data.operator);
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown account event ${JSON.stringify(_exhaustive)}`);
    }
  }
};

const newChange = (e: ProjectedAccountEvent): UserChange => ({
  id: e.userId,
  credits: 0,
  reserved: 0,
  spentMinor: { RUB: 0, USD: 0, XTR: 0 },
  lastPosition: 0,
  updatedAt: e.occurredAt,
});

/** Takes each transaction row once it is final (see LedgerPlanner). */
export type TransactionSink = (row: TransactionRow) => void;

/**
 * Plans batches incrementally: `add` as many events as wanted (in position order), then write
 * `plan`. `lastPositions` holds the `last_position` of every user the events touch that has a
 * row (absent: no row yet); a rebuild keeps one map for all users across its writes.
 *
 * With a `sink`, transaction rows are not kept in `plan.transactions`: each goes to the sink as
 * soon as nothing in the plan can change it any more (at once, or for a usage row when the plan
 * settles it or `endPlan` is called), so a rebuild can encode it and drop the object.
 */
export class LedgerPlanner {
  private readonly users = new Map<number, UserChange>();
  private readonly transactions: TransactionRow[] = [];
  // Usage rows added by this plan, so a settlement in the same plan sets their status directly.
  private readonly usageRows = new Map<string, TransactionRow>();
  private readonly settlements: Settlement[] = [];
  private added = 0;

  constructor(
    private readonly lastPositions: ReadonlyMap<number, number>,
    private readonly sink?: TransactionSink,
  ) {}

  /** Events added since the planner was made. */
  get eventCount(): number {
    return this.added;
  }

  get plan(): LedgerPlan {
    return { users: [...this.users.values()], transactions: this.transactions, settlements: this.settlements };
  }

  /** With a sink: hands it the usage rows the plan left pending. Call once, before writing `plan`. */
  endPlan(): void {
    if (!this.sink) return;
    for (const usage of this.usageRows.values()) this.sink(usage);
    this.usageRows.clear();
  }

  add(events: readonly ProjectedAccountEvent[]): this {
    for (const e of events) this.addOne(e);
    this.added += events.length;
    return this;
  }

  private addOne(e: ProjectedAccountEvent): void {
    const applied = this.lastPositions.get(e.userId);
    if (applied !== undefined && e.recorded.position <= applied) return;
    const change = this.changeOf(e, applied);
    const added = applyEffect(change, e);
    change.lastPosition = e.recorded.position;
    change.updatedAt = e.occurredAt;
    if (added?.type === 'usage') {
      const key = `${e.userId}:${added.reservationId}`;
      // A reservation id used twice: the row it displaces still goes out, and the unique index
      // refuses the pair as it does on the live path.
      const displaced = this.usageRows.get(key);
      if (displaced && this.sink) this.sink(displaced);
      this.usageRows.set(key, added);
    }
    if (added && !this.sink) this.transactions.push(added);
    else if (added && added.type !== 'usage') this.sink!(added);
    if (e.event.type === 'ReservationCaptured' || e.event.type === 'ReservationReleased') {
      const status = e.event.type === 'ReservationCaptured' ? 'completed' : 'released';
      const key = `${e.userId}:${e.event.data.reservationId}`;
      const usage = this.usageRows.get(key);
      if (!usage) {
        const { id, type, stream, revision, position, recordedAt } = e.recorded;
        const by: RecordedEvent = {
          id,
          type,
          stream,
          revision,
          position,
          recordedAt,
          data: null,
          metadata: { occurredAt: e.occurredAt },
        };
        this.settlements.push({ userId: e.userId, reservationId: e.event.data.reservationId, status, by });
        return;
      }
      if (usage.status !== 'pending')
        throw new UnprojectableEvent(e.recorded, `hold ${e.event.data.reservationId} is ${usage.status} already`);
      usage.status = status;
      // Settled: nothing later can name it, so let go of it.
      this.usageRows.delete(key);
      this.sink?.(usage);
    }
  }

  private changeOf(e: ProjectedAccountEvent, applied: number | undefined): UserChange {
    let change = this.users.get(e.userId);
    if (e.event.type === 'AccountOpened') {
      if (applied !== undefined || change)
        throw new UnprojectableEvent(e.recorded, `the account of user ${e.userId} is open already`);
      change = { ...newChange(e), opened: { profile: e.event.data.profile ?? {}, createdAt: e.occurredAt } };
      this.users.set(e.userId, change);
    } else if (!change) {
      if (applied === undefined)
        throw new UnprojectableEvent(e.recorded, `the account of user ${e.userId} was never opened`);
      change = newChange(e);
      this.users.set(e.userId, change);
    }
    return change;
  }
}

/** Plans one batch: what `apply` writes. */
export const planLedgerBatch = (
  events: readonly ProjectedAccountEvent[],
  lastPositions: ReadonlyMap<number, number>,
): LedgerPlan => new LedgerPlanner(lastPositions).add(events).plan;
