import { adjustmentKey, grantKey, paymentKey, reservationKey, type Account } from './account.js';
import {
  GRANT_REASONS,
  type AccountCommand,
  type AdjustCredits,
  type GrantCredits,
  type OpenAccount,
} from './commands.js';
import { defaultLedgerConfig, type LedgerConfig } from './config.js';
import { accept, InvariantViolation, reject } from '../decider/index.js';
import type { AccountDecision } from './decision.js';
import { decideCapture, decideRelease, decideReserve } from './decideHolds.js';
import { decidePurchase, decideRefund } from './decidePayments.js';
import { openingEvents } from './opening.js';
import { isCredits, isDelta, isId, isInstant, isOneOf, isText, isUserId, normalizedProfile } from './validation.js';

/**
 * Opens the account of a Telegram user, with the welcome grant. Opening an open account succeeds
 * with no events and leaves the recorded profile as it is: there is no profile-update event in
 * the ledger vocabulary, and the profile is not the ledger's business beyond the first sighting.
 */
const decideOpen = (c: OpenAccount, state: Account, config: LedgerConfig): AccountDecision => {
  if (!isUserId(c.userId)) return reject('invalid_user_id');
  const profile = normalizedProfile(c.profile);
  if (!profile) return reject('invalid_profile');
  if (state.core.opened) return state.core.userId === c.userId ? accept() : reject('wrong_account');
  return accept(...openingEvents(c.userId, 'user', profile, config).events);
};

/** Credits given, not bought. The welcome reason is limited to once per account. */
const decideGrant = (c: GrantCredits, state: Account): AccountDecision => {
  if (!isId(c.grantId)) return reject('invalid_id');
  if (!isCredits(c.credits)) return reject('invalid_credits');
  if (!isOneOf(GRANT_REASONS, c.reason)) return reject('invalid_reason');
  if (!isText(c.operator)) return reject('invalid_operator');
  const { core } = state;
  if (!core.opened) return reject('account_not_found');
  const existing = state.index.entries.get(grantKey(c.grantId));
  if (existing?.kind === 'grant') {
    if (existing.credits !== c.credits) return reject('grant_exists_with_different_credits');
    if (existing.reason !== c.reason) return reject('grant_exists_with_different_reason');
    return accept();
  }
  if (c.reason === 'welcome' && core.welcomeGranted) return reject('welcome_already_granted');
  return accept({
    type: 'CreditsGranted',
    data: {
      grantId: c.grantId,
      credits: c.credits,
      reason: c.reason,
      operator: c.operator,
      balanceAfter: core.balance + c.credits,
    },
  });
};

/**
 * A support correction, up or down. A negative one may push the account into debt, like a
 * clawback: it records a fact (credits that were wrongly given), and refusing it would leave the
 * books wrong; the debt then blocks new reservations. The operator's name and reason are kept on
 * the event for the audit trail; only delta and reason make up the adjustment's identity (who
 * pressed retry does not change the fact).
 */
const decideAdjust = (c: AdjustCredits, state: Account): AccountDecision => {
  if (!isId(c.adjustmentId)) return reject('invalid_id');
  if (!isDelta(c.delta)) return reject('invalid_delta');
  if (!isText(c.reason)) return reject('invalid_reason');
  if (!isText(c.operator)) return reject('invalid_operator');
  const { core } = state;
  if (!core.opened) return reject('account_not_found');
  const existing = state.index.entries.get(adjustmentKey(c.adjustmentId));
  if (existing?.kind === 'adjustment') {
    if (existing.delta !== c.delta) return reject('adjustment_exists_with_different_delta');
    if (existing.reason !== c.reason) return reject('adjustment_exists_with_different_reason');
    return accept();
  }
  return accept({
    type: 'CreditsAdjusted',
    data: {
      adjustmentId: c.adjustmentId,
      delta: c.delta,
      reason: c.reason,
      operator: c.operator,
      balanceAfter: core.balance + c.delta,
    },
  });
};

/**
 * The credit account's decider. Pure: time and ids come in the command. A command that changes
 * nothing (a retry) returns no events. Reads only `state.core` and the index entries named by
 * `keysOf(command)`: the command handler loads nothing else, and a property test checks that the
 * decision from such a partial state equals the decision from a full fold.
 */
export const decide = (
  command: AccountCommand,
  state: Account,
  config: LedgerConfig = defaultLedgerConfig,
): AccountDecision => {
  if (!isInstant(command.occurredAt)) return reject('invalid_occurred_at');
  switch (command.type) {
    case 'OpenAccount':
      return decideOpen(command, state, config);
    case 'PurchaseCredits':
      return decidePurchase(command, state, config);
    case 'GrantCredits':
      return decideGrant(command, state);
    case 'ReserveCredits':
      return decideReserve(command, state, config);
    case 'CaptureReservation':
      return decideCapture(command, state);
    case 'ReleaseReservation':
      return decideRelease(command, state);
    case 'RefundPurchase':
      return decideRefund(command, state);
    case 'AdjustCredits':
      return decideAdjust(command, state);
    default: {
      const _exhaustive: never = command;
      throw new InvariantViolation('ledger', `unknown account command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** The index entries `decide` reads for this command. */
export const keysOf = (command: AccountCommand): string[] => {
  switch (command.type) {
    case 'OpenAccount':
      return [];
    case 'PurchaseCredits':
    case 'RefundPurchase':
      return [paymentKey(command.paymentId)];
    case 'GrantCredits':
      return [grantKey(command.grantId)];
    case 'ReserveCredits':
    case 'CaptureReservation':
    case 'ReleaseReservation':
      return [reservationKey(command.reservationId)];
    case 'AdjustCredits':
      return [adjustmentKey(command.adjustmentId)];
    default: {
      const _exhaustive: never = command;
      throw new InvariantViolation('ledger', `unknown account command ${JSON.stringify(_exhaustive)}`);
    }
  }
};
