import { availableOf, isInDebt, reservationKey, type Account, type IndexEntry } from './account.js';
import {
  FEATURES,
  RELEASE_REASONS,
  type CaptureReservation,
  type ReleaseReservation,
  type ReserveCredits,
} from './commands.js';
import type { LedgerConfig } from './config.js';
import { accept, reject } from '../decider/index.js';
import type { AccountDecision } from './decision.js';
import type { HoldFacts } from './events.js';
import { MIN_HOLD_TTL_SECONDS } from './limits.js';
import { isAtOrAfter, isCredits, isId, isOneOf, plusSeconds } from './validation.js';

type Hold = Extract<IndexEntry, { kind: 'reservation' }>;

const holdOf = (state: Account, reservationId: string): Hold | undefined => {
  const entry = state.index.entries.get(reservationKey(reservationId));
  return entry?.kind === 'reservation' ? entry : undefined;
};

const factsOf = (reservationId: string, hold: Hold): HoldFacts => ({
  reservationId,
  feature: hold.feature,
  heldCredits: hold.heldCredits,
  ttlSeconds: hold.ttlSeconds,
  expiresAt: hold.expiresAt,
});

/**
 * A hold sets credits aside for AI work. Its expiry is fixed now, from the command's time: the
 * decider has no clock, so every later judgement of "expired" compares another command's time
 * with this `expiresAt`.
 */
export const decideReserve = (c: ReserveCredits, state: Account, config: LedgerConfig): AccountDecision => {
  if (!isId(c.reservationId)) return reject('invalid_id');
  if (!isCredits(c.credits)) return reject('invalid_credits');
  if (!isOneOf(FEATURES, c.feature)) return reject('invalid_feature');
  if (
    !Number.isSafeInteger(c.ttlSeconds) ||
    c.ttlSeconds < MIN_HOLD_TTL_SECONDS ||
    c.ttlSeconds > config.maxHoldTtlSeconds
  ) {
    return reject('invalid_ttl');
  }
  const { core } = state;
  if (!core.opened) return reject('account_not_found');
  const existing = holdOf(state, c.reservationId);
  if (existing) {
    if (existing.heldCredits !== c.credits) return reject('reservation_exists_with_different_credits');
    if (existing.feature !== c.feature) return reject('reservation_exists_with_different_feature');
    if (existing.ttlSeconds !== c.ttlSeconds) return reject('reservation_exists_with_different_ttl');
    return accept();
  }
  if (isInDebt(core)) return reject('account_in_debt');
  if (availableOf(core) < c.credits) return reject('insufficient_credits');
  if (core.openHolds.length >= config.maxOpenHolds) return reject('too_many_open_holds');
  return accept({
    type: 'CreditsReserved',
    data: {
      reservationId: c.reservationId,
      feature: c.feature,
      heldCredits: c.credits,
      ttlSeconds: c.ttlSeconds,
      expiresAt: plusSeconds(c.occurredAt, c.ttlSeconds),
    },
  });
};

/**
 * Spends up to the held credits; the rest of the hold goes back to `available` in the same event.
 * A hold resolves exactly once: a capture racing the expiry sweeper is settled by the stream's
 * expected revision, and whichever lands second sees the hold resolved:
 * - captured already with the same credits: success, no events (a retry);
 * - captured already with other credits: `capture_exists_with_different_credits`;
 * - released already (by the sweeper, a failure, a cancel): `reservation_already_resolved`.
 * A capture at or after `expiresAt` is `reservation_expired` even if no sweeper has run.
 */
export const decideCapture = (c: CaptureReservation, state: Account): AccountDecision => {
  if (!isId(c.reservationId)) return reject('invalid_id');
  if (!isCredits(c.credits)) return reject('invalid_credits');
  if (!state.core.opened) return reject('account_not_found');
  const hold = holdOf(state, c.reservationId);
  if (!hold) return reject('reservation_not_found');
  if (hold.status === 'captured') {
    return hold.capturedCredits === c.credits ? accept() : reject('capture_exists_with_different_credits');
  }
  if (hold.status === 'released') return reject('reservation_already_resolved');
  if (isAtOrAfter(c.occurredAt, hold.expiresAt)) return reject('reservation_expired');
  if (c.credits > hold.heldCredits) return reject('capture_exceeds_reservation');
  return accept({
    type: 'ReservationCaptured',
    data: {
      ...factsOf(c.reservationId, hold),
      credits: c.credits,
      releasedCredits: hold.heldCredits - c.credits,
      balanceAfter: state.core.balance - c.credits,
    },
  });
};

/**
 * Returns a hold's credits. Allowed at any time while the hold is open (a failed AI call
 * releases before expiry; the sweeper releases after it). A second release succeeds with no
 * events whatever its reason: the sweeper (`expired`) and a worker (`ai_failed`) legitimately
 * race, both want the credits back, and they are; the first reason stays on record.
 */
export const decideRelease = (c: ReleaseReservation, state: Account): AccountDecision => {
  if (!isId(c.reservationId)) return reject('invalid_id');
  if (!isOneOf(RELEASE_REASONS, c.reason)) return reject('invalid_reason');
  if (!state.core.opened) return reject('account_not_found');
  const hold = holdOf(state, c.reservationId);
  if (!hold) return reject('reservation_not_found');
  if (hold.status === 'captured') return reject('reservation_already_resolved');
  if (hold.status === 'released') return accept();
  return accept({ type: 'ReservationReleased', data: { ...factsOf(c.reservationId, hold), reason: c.reason } });
};
