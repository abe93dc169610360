import type {
  Currency,
  Feature,
  GrantReason,
  PackageId,
  Provider,
  RefundKind,
  ReleaseReason,
  TelegramProfile,
} from './commands.js';

/**
 * Events of the credit account. Each one carries everything finance and support need without
 * reading another event (credits, money, provider, ids, reasons, operators), and each event that
 * touches an id carries all the facts of that id: the idempotency index entry for the id is then
 * a function of its latest event alone (`indexEntryOf`), which is what lets snapshots store the
 * index as independent rows (see `accountDecider.ts`).
 *
 * `balanceAfter` is on every event that moves the balance: `evolve` checks it against its own sum,
 * so a stream that was tampered with or folded wrongly crashes instead of reporting a wrong
 * balance, and a reader of one event sees the balance without folding.
 */

export interface AccountOpenedData {
  userId: string;
  /** `user`: the user started the bot; `payment`: a payment arrived before the user did. */
  openedBy: 'user' | 'payment';
  profile: TelegramProfile;
}

export interface CreditsPurchasedData {
  paymentId: string;
  provider: Provider;
  packageId: PackageId;
  credits: number;
  amountMinor: number;
  currency: Currency;
  balanceAfter: number;
}

export interface CreditsGrantedData {
  grantId: string;
  credits: number;
  reason: GrantReason;
  operator: string;
  balanceAfter: number;
}

/** The facts of a hold, repeated on every event of its life. */
export interface HoldFacts {
  reservationId: string;
  feature: Feature;
  /** Credits held when it was reserved. */
  heldCredits: number;
  ttlSeconds: number;
  /** occurredAt of the reservation + ttlSeconds. A capture at or after this instant is refused. */
  expiresAt: string;
}

export type CreditsReservedData = HoldFacts;

export interface ReservationCapturedData extends HoldFacts {
  /** Credits spent (taken from the balance). */
  credits: number;
  /** heldCredits − credits, returned to `available` by this same event. */
  releasedCredits: number;
  balanceAfter: number;
}

export interface ReservationReleasedData extends HoldFacts {
  reason: ReleaseReason;
}

/** The facts of a purchase, repeated on its refund. */
export interface PurchaseFacts {
  paymentId: string;
  provider: Provider;
  packageId: PackageId;
  purchasedCredits: number;
  purchasedAmountMinor: number;
  currency: Currency;
}

export interface PurchaseRefundedData extends PurchaseFacts {
  kind: RefundKind;
  /** Credits clawed back. */
  credits: number;
  /** Money returned, in `currency` minor units. */
  amountMinor: number;
  balanceAfter: number;
}

export interface CreditsAdjustedData {
  adjustmentId: string;
  delta: number;
  reason: string;
  operator: string;
  balanceAfter: number;
}

export type AccountEvent =
  | { type: 'AccountOpened'; data: AccountOpenedData }
  | { type: 'CreditsPurchased'; data: CreditsPurchasedData }
  | { type: 'CreditsGranted'; data: CreditsGrantedData }
  | { type: 'CreditsReserved'; data: CreditsReservedData }
  | { type: 'ReservationCaptured'; data: ReservationCapturedData }
  | { type: 'ReservationReleased'; data: ReservationReleasedData }
  | { type: 'PurchaseRefunded'; data: PurchaseRefundedData }
  | { type: 'CreditsAdjusted'; data: CreditsAdjustedData };

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  'AccountOpened',
  'CreditsPurchased',
  'CreditsGranted',
  'CreditsReserved',
  'ReservationCaptured',
  'ReservationReleased',
  'PurchaseRefunded',
  'CreditsAdjusted',
];

/** The grant id of the welcome grant made when an account opens: one per account. */
export const WELCOME_GRANT_ID = 'welcome';
/** The operator recorded on grants the ledger makes by itself. */
export const SYSTEM_OPERATOR = 'system';
