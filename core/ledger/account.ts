import type { Currency, Feature, GrantReason, PackageId, Provider, RefundKind } from './commands.js';
import type { AccountEvent } from './events.js';
import { InvariantViolation } from '../decider/index.js';

/**
 * The state of a credit account, in two parts:
 * - `core`: small and bounded whatever the history (sums, the open holds, a few flags);
 * - `index`: the idempotency memory, one entry per id ever used (payments, grants, holds,
 *   adjustments). It grows with history, so the command handler never loads it whole: it loads
 *   the entries a command names (`keysOf`) from the snapshot store. See `accountDecider.ts`.
 */

export interface OpenHold {
  reservationId: string;
  credits: number;
  expiresAt: string;
}

export interface AccountCore {
  opened: boolean;
  userId: string | null;
  balance: number;
  /** Sum of the open holds' credits. */
  held: number;
  purchasedCredits: number;
  grantedCredits: number;
  /** Net of all adjustments; may be negative. */
  adjustedCredits: number;
  clawedBackCredits: number;
  capturedCredits: number;
  welcomeGranted: boolean;
  /** In reservation order; at most `maxOpenHolds` (an array: ids never become object keys). */
  openHolds: readonly OpenHold[];
}

export type IndexEntry =
  | {
      kind: 'payment';
      provider: Provider;
      packageId: PackageId;
      credits: number;
      amountMinor: number;
      currency: Currency;
      refund: { kind: RefundKind; credits: number; amountMinor: number } | null;
    }
  | { kind: 'grant'; credits: number; reason: GrantReason }
  | {
      kind: 'reservation';
      feature: Feature;
      heldCredits: number;
      ttlSeconds: number;
      expiresAt: string;
      status: 'open' | 'captured' | 'released';
      capturedCredits: number;
    }
  | { kind: 'adjustment'; delta: number; reason: string };

export interface AccountIndex {
  /**
   * True when the index was folded from the first event, so a missing entry means the id was
   * never used. False when it was loaded from a snapshot for a few keys: a missing entry then
   * means only "not loaded", and `evolve` does not assert on it.
   */
  complete: boolean;
  entries: ReadonlyMap<string, IndexEntry>;
}

export interface Account {
  core: AccountCore;
  index: AccountIndex;
}

export const paymentKey = (paymentId: string): string => `payment:${paymentId}`;
export const grantKey = (grantId: string): string => `grant:${grantId}`;
export const reservationKey = (reservationId: string): string => `reservation:${reservationId}`;
export const adjustmentKey = (adjustmentId: string): string => `adjustment:${adjustmentId}`;

export const initialCore = (): AccountCore => ({
  opened: false,
  userId: null,
  balance: 0,
  held: 0,
  purchasedCredits: 0,
  grantedCredits: 0,
  adjustedCredits: 0,
  clawedBackCredits: 0,
  capturedCredits: 0,
  welcomeGranted: false,
  openHolds: [],
});

export const initialState = (): Account => ({
  core: initialCore(),
  index: { complete: true, entries: new Map() },
});

/** Credits free to reserve: the balance minus what open holds keep aside. Negative when in debt. */
export const availableOf = (core: AccountCore): number => core.balance - core.held;

/**
 * In debt: the account owes credits, because a clawback or a correction took more than was free.
 * Defined as `available < 0` (not `balance < 0`): a clawback while a hold is open can leave a
 * positive balance that no longer covers the hold, and that hold's capture would take credits the
 * user no longer has. New reservations are refused until purchases bring `available` back to 0.
 */
export const isInDebt = (core: AccountCore): boolean => availableOf(core) < 0;

/** The summary every reader shows (timeline, balance API). */
export const summaryOf = (core: AccountCore) => ({
  balance: core.balance,
  available: availableOf(core),
  held: core.held,
  inDebt: isInDebt(core),
});

/** The index entry an event leaves for its id: a function of the event alone (events carry all facts). */
export const indexEntryOf = (event: AccountEvent): { key: string; entry: IndexEntry } | undefined => {
  switch (event.type) {
    case 'AccountOpened':
      return undefined;
    case 'CreditsPurchased': {
      const { paymentId, provider, packageId, credits, amountMinor, currency } = event.data;
      return {
        key: paymentKey(paymentId),
        entry: { kind: 'payment', provider, packageId, credits, amountMinor, currency, refund: null },
      };
    }
    case 'PurchaseRefunded': {
      const d = event.data;
      return {
        key: paymentKey(d.paymentId),
        entry: {
          kind: 'payment',
          provider: d.provider,
          packageId: d.packageId,
          credits: d.purchasedCredits,
          amountMinor: d.purchasedAmountMinor,
          currency: d.currency,
          refund: { kind: d.kind, credits: d.credits, amountMinor: d.amountMinor },
        },
      };
    }
    case 'CreditsGranted':
      return {
        key: grantKey(event.data.grantId),
        entry: { kind: 'grant', credits: event.data.credits, reason: event.data.reason },
      };
    case 'CreditsReserved':
    case 'ReservationCaptured':
    case 'ReservationReleased': {
      const d = event.data;
      const status =
        event.type === 'CreditsReserved' ? 'open' : event.type === 'ReservationCaptured' ? 'captured' : 'released';
      const capturedCredits = event.type === 'ReservationCaptured' ? event.data.credits : 0;
      return {
        key: reservationKey(d.reservationId),
        entry: {
          kind: 'reservation',
          feature: d.feature,
          heldCredits: d.heldCredits,
          ttlSeconds: d.ttlSeconds,
          expiresAt: d.expiresAt,
          status,
          capturedCredits,
        },
      };
    }
    case 'CreditsAdjusted':
      return {
        key: adjustmentKey(event.data.adjustmentId),
        entry: { kind: 'adjustment', delta: event.data.delta, reason: event.data.reason },
      };
    default: {
      const _exhaustive: never = event;
      throw new InvariantViolation('ledger', `unknown account event ${JSON.stringify(_exhaustive)}`);
    }
  }
};
