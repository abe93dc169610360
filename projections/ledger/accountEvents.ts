import type { RecordedEvent } from '../../core/eventstore/index.js';
import { ACCOUNT_EVENT_TYPES, CURRENCIES, type AccountEvent, type AccountEventType } from '../../core/ledger/index.js';
import { UnprojectableEvent } from '../errors.js';

/**
 * Account events as the projection reads them: the user id from the stream name, the time the
 * fact happened, and the data checked for the fields the read tables use. Anything else is an
 * `UnprojectableEvent`: the projector stops on it rather than write a wrong row.
 */

export interface ProjectedAccountEvent {
  recorded: RecordedEvent;
  event: AccountEvent;
  userId: number;
  occurredAt: string;
}

const ACCOUNT_STREAM = /^account-([1-9][0-9]*)$/;

const isTypeName = (type: string): type is AccountEventType =>
  (ACCOUNT_EVENT_TYPES as readonly string[]).includes(type);

// The fields each type must carry, by kind. Credits and money are safe integers; ids are strings.
const INTEGER_FIELDS: Record<AccountEventType, readonly string[]> = {
  AccountOpened: [],
  CreditsPurchased: ['credits', 'amountMinor', 'balanceAfter'],
  CreditsGranted: ['credits', 'balanceAfter'],
  CreditsReserved: ['heldCredits'],
  ReservationCaptured: ['heldCredits', 'credits', 'releasedCredits', 'balanceAfter'],
  ReservationReleased: ['heldCredits'],
  PurchaseRefunded: ['credits', 'amountMinor', 'balanceAfter'],
  CreditsAdjusted: ['delta', 'balanceAfter'],
};
const STRING_FIELDS: Record<AccountEventType, readonly string[]> = {
  AccountOpened: ['userId'],
  CreditsPurchased: ['paymentId', 'provider', 'currency'],
  CreditsGranted: ['grantId', 'reason'],
  CreditsReserved: ['reservationId', 'feature'],
  ReservationCaptured: ['reservationId', 'feature'],
  ReservationReleased: ['reservationId', 'feature', 'reason'],
  PurchaseRefunded: ['paymentId', 'provider', 'currency', 'kind'],
  CreditsAdjusted: ['adjustmentId', 'reason'],
};

const fail = (recorded: RecordedEvent, reason: string): never => {
  throw new UnprojectableEvent(recorded, reason);
};

/** The account event in `recorded`, checked; throws `UnprojectableEvent` naming what is wrong. */
export const projectedAccountEvent = (recorded: RecordedEvent): ProjectedAccountEvent => {
  const match = ACCOUNT_STREAM.exec(recorded.stream);
  const userId = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(userId))
    fail(recorded, `stream ${recorded.stream} is not account-<user id below 2^53>`);
  if (!isTypeName(recorded.type)) return fail(recorded, `${recorded.type} is not an account event`);
  const data = recorded.data as Record<string, unknown> | null;
  if (typeof data !== 'object' || data === null) return fail(recorded, 'data is not an object');
  for (const field of INTEGER_FIELDS[recorded.type]) {
    if (!Number.isSafeInteger(data[field])) fail(recorded, `data.${field} is not a safe integer`);
  }
  for (const field of STRING_FIELDS[recorded.type]) {
    if (typeof data[field] !== 'string') fail(recorded, `data.${field} is not a string`);
  }
  if ('currency' in data && !(CURRENCIES as readonly unknown[]).includes(data.currency))
    fail(recorded, `data.currency ${String(data.currency)} is unknown`);
  if (recorded.type === 'AccountOpened' && data.userId !== match![1])
    fail(recorded, `data.userId ${String(data.userId)} is not the stream's user`);
  const occurredAt = recorded.metadata?.occurredAt;
  return {
    recorded,
    event: { type: recorded.type, data } as unknown as AccountEvent,
    userId,
    occurredAt:
      typeof occurredAt === 'string' && !Number.isNaN(Date.parse(occurredAt)) ? occurredAt : recorded.recordedAt,
  };
};
