import {
  availableOf,
  indexEntryOf,
  initialState,
  isInDebt,
  type Account,
  type AccountCore,
  type IndexEntry,
  type OpenHold,
} from './account.js';
import type { AccountEvent } from './events.js';
import { invariant, InvariantViolation } from '../decider/index.js';

type Lookup = (key: string) => IndexEntry | undefined;

const assertBalanceAfter = (core: AccountCore, balanceAfter: number, what: string): void =>
  invariant(
    core.balance === balanceAfter,
    'ledger',
    () => `${what}: balanceAfter ${balanceAfter} but the sum is ${core.balance}`,
  );

const withoutHold = (core: AccountCore, reservationId: string, heldCredits: number, what: string): AccountCore => {
  const hold = core.openHolds.find((h) => h.reservationId === reservationId);
  invariant(hold !== undefined, 'ledger', () => `${what} of ${reservationId}: no such open hold`);
  invariant(
    hold!.credits === heldCredits,
    'ledger',
    () => `${what} of ${reservationId}: holds ${hold!.credits}, event says ${heldCredits}`,
  );
  return { ...core, held: core.held - heldCredits, openHolds: core.openHolds.filter((h) => h !== hold) };
};

type DataOf<Type extends AccountEvent['type']> = Extract<AccountEvent, { type: Type }>['data'];

const evolveCapture = (core: AccountCore, d: DataOf<'ReservationCaptured'>): AccountCore => {
  invariant(
    d.credits > 0 && d.credits <= d.heldCredits && d.releasedCredits === d.heldCredits - d.credits,
    'ledger',
    () => `capture of ${d.reservationId}: ${d.credits} of ${d.heldCredits}, ${d.releasedCredits} released`,
  );
  const freed = withoutHold(core, d.reservationId, d.heldCredits, 'capture');
  const next = { ...freed, balance: core.balance - d.credits, capturedCredits: core.capturedCredits + d.credits };
  assertBalanceAfter(next, d.balanceAfter, 'ReservationCaptured');
  return next;
};

/** `previous` is the purchase's index entry; a state loaded with only some entries (not `complete`) may lack it. */
const evolveRefund = (
  core: AccountCore,
  d: DataOf<'PurchaseRefunded'>,
  previous: IndexEntry | undefined,
  complete: boolean,
): AccountCore => {
  invariant(previous !== undefined || !complete, 'ledger', () => `refund of unknown payment ${d.paymentId}`);
  invariant(
    previous === undefined ||
      (previous.kind === 'payment' && previous.refund === null && previous.credits === d.purchasedCredits),
    'ledger',
    () => `refund of payment ${d.paymentId} that is refunded already or differs`,
  );
  invariant(
    d.credits > 0 && d.credits <= d.purchasedCredits && d.amountMinor <= d.purchasedAmountMinor,
    'ledger',
    () => `refund of ${d.paymentId} exceeds its purchase`,
  );
  const next = { ...core, balance: core.balance - d.credits, clawedBackCredits: core.clawedBackCredits + d.credits };
  assertBalanceAfter(next, d.balanceAfter, 'PurchaseRefunded');
  return next;
};

/** The core after one event; checks the facts the event relies on (`lookup` sees the index). */
const evolveCore = (core: AccountCore, event: AccountEvent, lookup: Lookup, complete: boolean): AccountCore => {
  invariant(
    event.type === 'AccountOpened' ? !core.opened : core.opened,
    'ledger',
    () => `${event.type} on an account that is ${core.opened ? 'open' : 'not open'}`,
  );
  const entry = indexEntryOf(event);
  const previous = entry ? lookup(entry.key) : undefined;
  switch (event.type) {
    case 'AccountOpened':
      return { ...core, opened: true, userId: event.data.userId };
    case 'CreditsPurchased': {
      invariant(previous === undefined, 'ledger', () => `payment ${event.data.paymentId} recorded twice`);
      const next = {
        ...core,
        balance: core.balance + event.data.credits,
        purchasedCredits: core.purchasedCredits + event.data.credits,
      };
      assertBalanceAfter(next, event.data.balanceAfter, event.type);
      return next;
    }
    case 'CreditsGranted': {
      invariant(previous === undefined, 'ledger', () => `grant ${event.data.grantId} recorded twice`);
      const welcome = event.data.reason === 'welcome';
      invariant(!(welcome && core.welcomeGranted), 'ledger', () => 'a second welcome grant');
      const next = {
        ...core,
        balance: core.balance + event.data.credits,
        grantedCredits: core.grantedCredits + event.data.credits,
        welcomeGranted: core.welcomeGranted || welcome,
      };
      assertBalanceAfter(next, event.data.balanceAfter, event.type);
      return next;
    }
    case 'CreditsReserved': {
      const d = event.data;
      invariant(previous === undefined, 'ledger', () => `reservation ${d.reservationId} recorded twice`);
      invariant(
        !isInDebt(core) && availableOf(core) >= d.heldCredits,
        'ledger',
        () => `hold ${d.reservationId} of ${d.heldCredits} with ${availableOf(core)} available`,
      );
      const hold: OpenHold = { reservationId: d.reservationId, credits: d.heldCredits, expiresAt: d.expiresAt };
      return { ...core, held: core.held + d.heldCredits, openHolds: [...core.openHolds, hold] };
    }
    case 'ReservationCaptured':
      return evolveCapture(core, event.data);
    case 'ReservationReleased':
      return withoutHold(core, event.data.reservationId, event.data.heldCredits, 'release');
    case 'PurchaseRefunded':
      return evolveRefund(core, event.data, previous, complete);
    case 'CreditsAdjusted': {
      invariant(previous === undefined, 'ledger', () => `adjustment ${event.data.adjustmentId} recorded twice`);
      const next = {
        ...core,
        balance: core.balance + event.data.delta,
        adjustedCredits: core.adjustedCredits + event.data.delta,
      };
      assertBalanceAfter(next, event.data.balanceAfter, event.type);
      return next;
    }
    default: {
      const _exhaustive: never = event;
      throw new InvariantViolation('ledger', `unknown account event ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** What holds after every event, whatever it was. */
const assertCoreInvariants = (before: AccountCore, after: AccountCore, event: AccountEvent): void => {
  const sums = [
    after.balance,
    after.held,
    after.purchasedCredits,
    after.grantedCredits,
    after.adjustedCredits,
    after.clawedBackCredits,
    after.capturedCredits,
  ];
  invariant(sums.every(Number.isSafeInteger), 'ledger', () => `after ${event.type}: a sum left the safe integers`);
  const expected =
    after.purchasedCredits +
    after.grantedCredits +
    after.adjustedCredits -
    after.clawedBackCredits -
    after.capturedCredits;
  invariant(
    after.balance === expected,
    'ledger',
    () => `after ${event.type}: balance ${after.balance}, components sum to ${expected}`,
  );
  const holds = after.openHolds.reduce((sum, h) => sum + h.credits, 0);
  invariant(
    after.held === holds && after.held >= 0,
    'ledger',
    () => `after ${event.type}: held ${after.held}, open holds sum to ${holds}`,
  );
  // Only a clawback or a correction may push `available` below zero (into debt); a reservation
  // may lower it but never below zero; everything else can only raise it.
  const lowersFreely = event.type === 'PurchaseRefunded' || event.type === 'CreditsAdjusted';
  const floor = event.type === 'CreditsReserved' ? 0 : availableOf(before);
  invariant(
    lowersFreely || availableOf(after) >= floor,
    'ledger',
    () => `${event.type} lowered available from ${availableOf(before)} to ${availableOf(after)}`,
  );
};

/** Applies one fact. Never checks business rules (that is `decide`); crashes on a broken invariant. */
export const evolve = (state: Account, event: AccountEvent): Account => {
  const core = evolveCore(state.core, event, (key) => state.index.entries.get(key), state.index.complete);
  assertCoreInvariants(state.core, core, event);
  const entry = indexEntryOf(event);
  if (!entry) return { core, index: state.index };
  const entries = new Map(state.index.entries).set(entry.key, entry.entry);
  return { core, index: { complete: state.index.complete, entries } };
};

/**
 * Folds many events at once. Same result as `events.reduce(evolve, state)`, but the index map is
 * copied once instead of once per event, so a full fold of a long history (the timeline, a
 * rebuild) is linear, not quadratic.
 */
export const foldAccount = (events: Iterable<AccountEvent>, state: Account = initialState()): Account => {
  const entries = new Map(state.index.entries);
  let core = state.core;
  for (const event of events) {
    const next = evolveCore(core, event, (key) => entries.get(key), state.index.complete);
    assertCoreInvariants(core, next, event);
    const entry = indexEntryOf(event);
    if (entry) entries.set(entry.key, entry.entry);
    core = next;
  }
  return { core, index: { complete: state.index.complete, entries } };
};
