/**
 * Commands of the credit account (stream `account-<userId>`). Every command carries the time it
 * happened (`occurredAt`, ISO 8601, from the caller: the decider has no clock) and the ids of the
 * facts it creates, made by the caller so a retry is recognised (ARCHITECTURE.md, streams and their events).
 */

export const PROVIDERS = ['telegram_stars', 'stripe', 'yookassa'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const CURRENCIES = ['RUB', 'USD', 'XTR'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const PACKAGE_IDS = ['basic', 'premium'] as const;
export type PackageId = (typeof PACKAGE_IDS)[number];

export const FEATURES = ['tryon', 'styling', 'recommendations'] as const;
export type Feature = (typeof FEATURES)[number];

export const GRANT_REASONS = ['welcome', 'goodwill', 'promo'] as const;
export type GrantReason = (typeof GRANT_REASONS)[number];

export const RELEASE_REASONS = ['ai_failed', 'expired', 'cancelled'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

export const REFUND_KINDS = ['refund', 'chargeback'] as const;
export type RefundKind = (typeof REFUND_KINDS)[number];

/** Copied into every event's metadata; never part of a fact's identity. */
export interface CommandMetadata {
  /** `user:<id>`, `operator:<name>`, `provider:stripe`, `system:sweeper`, … */
  actor?: string;
  correlationId?: string;
  causationId?: string;
}

interface CommandBase {
  /** When it happened, as the caller knows it. ISO 8601 with a time zone. */
  occurredAt: string;
  metadata?: CommandMetadata;
}

/** What Telegram tells us about the user; every field optional, each at most a few hundred chars. */
export interface TelegramProfile {
  username?: string;
  firstName?: string;
  lastName?: string;
  languageCode?: string;
}

export interface OpenAccount extends CommandBase {
  type: 'OpenAccount';
  /** The Telegram user id, decimal; the stream is `account-<userId>`. */
  userId: string;
  profile: TelegramProfile;
}

export interface PurchaseCredits extends CommandBase {
  type: 'PurchaseCredits';
  /** Needed because a payment may be the first thing we hear of a user: it opens the account. */
  userId: string;
  paymentId: string;
  provider: Provider;
  packageId: PackageId;
  credits: number;
  /** What the provider charged, in minor units of `currency` (cents, kopecks; Stars are whole). */
  amountMinor: number;
  currency: Currency;
}

export interface GrantCredits extends CommandBase {
  type: 'GrantCredits';
  grantId: string;
  credits: number;
  reason: GrantReason;
  operator: string;
}

export interface ReserveCredits extends CommandBase {
  type: 'ReserveCredits';
  reservationId: string;
  credits: number;
  feature: Feature;
  ttlSeconds: number;
}

export interface CaptureReservation extends CommandBase {
  type: 'CaptureReservation';
  reservationId: string;
  /** At most the credits held; the rest of the hold is returned in the same event. */
  credits: number;
}

export interface ReleaseReservation extends CommandBase {
  type: 'ReleaseReservation';
  reservationId: string;
  reason: ReleaseReason;
}

export interface RefundPurchase extends CommandBase {
  type: 'RefundPurchase';
  paymentId: string;
  kind: RefundKind;
  /** Credits to claw back; default: all the credits of the purchase. */
  credits?: number;
  /**
   * Money returned, in the purchase's currency; default: the whole purchase amount, which is
   * only right for a full refund, so a partial refund must say it (`refund_amount_required`).
   */
  amountMinor?: number;
}

export interface AdjustCredits extends CommandBase {
  type: 'AdjustCredits';
  adjustmentId: string;
  /** Positive adds, negative takes away; never zero. */
  delta: number;
  reason: string;
  operator: string;
}

export type AccountCommand =
  | OpenAccount
  | PurchaseCredits
  | GrantCredits
  | ReserveCredits
  | CaptureReservation
  | ReleaseReservation
  | RefundPurchase
  | AdjustCredits;

export type AccountCommandType = AccountCommand['type'];
