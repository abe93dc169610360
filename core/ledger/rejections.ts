/**
 * Every way the ledger can refuse a command: one closed list of stable snake_case codes, in
 * precedence order. When several apply, the decider reports the one that comes first here.
 *
 * The order follows what a caller can do about it (as TigerBeetle orders its result codes):
 *   1. the command is malformed (checked field by field in this order; nothing else matters yet);
 *   2. the account is missing or is someone else's;
 *   3. the caller's id was already used for a different fact: a bug upstream, said loudly;
 *   4. what the command refers to is missing or already over;
 *   5. amounts: the account cannot afford it or the command asks for more than there is.
 *
 * A retry of an accepted command (same id, same parameters) is not a rejection: it succeeds with
 * no events ("exists"). It is recognised right after step 2 for ids the command creates, and in
 * step 4 for holds the command resolves, so no check of step 4 or 5 can refuse a retry: a
 * reservation retried after it was captured still succeeds, even with no credits left.
 */
export const REJECTIONS = [
  // 1. malformed command
  'invalid_occurred_at',
  'invalid_user_id',
  'invalid_profile',
  'invalid_id',
  'invalid_provider',
  'unknown_package',
  'invalid_currency',
  'invalid_credits',
  'invalid_amount',
  'invalid_feature',
  'invalid_ttl',
  'invalid_kind',
  'invalid_delta',
  'invalid_reason',
  'invalid_operator',
  // 2. the account
  'account_not_found',
  'wrong_account',
  // 3. the id names a different fact
  'payment_exists_with_different_provider',
  'payment_exists_with_different_credits',
  'payment_exists_with_different_amount',
  'grant_exists_with_different_credits',
  'grant_exists_with_different_reason',
  'reservation_exists_with_different_credits',
  'reservation_exists_with_different_feature',
  'reservation_exists_with_different_ttl',
  'adjustment_exists_with_different_delta',
  'adjustment_exists_with_different_reason',
  // 4. what it refers to is missing or over
  'payment_not_found',
  'reservation_not_found',
  'refund_exists_with_different_credits',
  'refund_exists_with_different_amount',
  'capture_exists_with_different_credits',
  'reservation_already_resolved',
  'welcome_already_granted',
  'reservation_expired',
  // 5. amounts
  'refund_exceeds_purchase',
  'refund_amount_required',
  'capture_exceeds_reservation',
  'account_in_debt',
  'insufficient_credits',
  'too_many_open_holds',
] as const;

export type Rejection = (typeof REJECTIONS)[number];

/** What each code means, for the API's error registry and for support. Complete by type. */
export const REJECTION_DESCRIPTIONS: Readonly<Record<Rejection, string>> = {
  invalid_occurred_at: 'occurredAt is not an ISO 8601 timestamp with a time zone',
  invalid_user_id: 'userId is not a Telegram user id (a decimal integer from 1 to 2^52)',
  invalid_profile: 'a profile field is not a string or is too long',
  invalid_id: 'an id is empty, too long, or has spaces or control characters',
  invalid_provider: 'provider is not telegram_stars, stripe or yookassa',
  unknown_package: 'packageId is not a configured credit package',
  invalid_currency:
    'currency is not RUB, USD or XTR, or does not go with the provider (Stars are XTR, only XTR is Stars)',
  invalid_credits: 'credits is not a positive safe integer within the per-command limit',
  invalid_amount: 'amountMinor is not a non-negative safe integer within the limit',
  invalid_feature: 'feature is not tryon, styling or recommendations',
  invalid_ttl: 'ttlSeconds is not a whole number of seconds within the configured hold lifetime',
  invalid_kind: 'kind is not refund or chargeback',
  invalid_delta: 'delta is zero, not a safe integer, or beyond the per-command limit',
  invalid_reason: 'reason is missing, not one of the allowed values, or too long',
  invalid_operator: 'operator is missing or too long',
  account_not_found: 'the account has not been opened (retryable once it is)',
  wrong_account: 'the command names another user than the account it was sent to',
  payment_exists_with_different_provider: 'this paymentId was recorded with another provider',
  payment_exists_with_different_credits: 'this paymentId was recorded with other credits or another package',
  payment_exists_with_different_amount: 'this paymentId was recorded with another amount or currency',
  grant_exists_with_different_credits: 'this grantId was recorded with other credits',
  grant_exists_with_different_reason: 'this grantId was recorded with another reason',
  reservation_exists_with_different_credits: 'this reservationId was recorded with other credits',
  reservation_exists_with_different_feature: 'this reservationId was recorded for another feature',
  reservation_exists_with_different_ttl: 'this reservationId was recorded with another ttlSeconds',
  adjustment_exists_with_different_delta: 'this adjustmentId was recorded with another delta',
  adjustment_exists_with_different_reason: 'this adjustmentId was recorded with another reason',
  payment_not_found:
    'no purchase with this paymentId on this account (retryable: a refund may arrive before its payment)',
  reservation_not_found: 'no hold with this reservationId on this account',
  refund_exists_with_different_credits: 'this payment was already refunded with other credits (one refund per payment)',
  refund_exists_with_different_amount: 'this payment was already refunded with another amount',
  capture_exists_with_different_credits: 'this hold was already captured with other credits',
  reservation_already_resolved: 'this hold was already captured or released',
  welcome_already_granted: 'the welcome grant is given once per account',
  reservation_expired: 'the hold expired: a capture at or after expiresAt is refused',
  refund_exceeds_purchase: 'the refund asks for more credits or money than the purchase had',
  refund_amount_required: 'a partial refund must say the money returned (amountMinor)',
  capture_exceeds_reservation: 'the capture asks for more credits than the hold has',
  account_in_debt: 'the account owes credits (a clawback or correction took more than it had): repay first',
  insufficient_credits: 'available credits (balance minus holds) are fewer than asked for',
  too_many_open_holds: 'the account has as many open holds as the configured limit',
};

/** Codes a caller may retry unchanged later and see succeed (after a payment, an opening, a release). */
export const RETRYABLE_REJECTIONS: ReadonlySet<Rejection> = new Set<Rejection>([
  'account_not_found',
  'payment_not_found',
  'account_in_debt',
  'insufficient_credits',
  'too_many_open_holds',
]);

/** The precedence rank of a code: lower wins when several apply. */
export const rejectionRank = (rejection: Rejection): number => REJECTIONS.indexOf(rejection);
