export * from './commands.js';
export * from './events.js';
export * from './rejections.js';
export * from './limits.js';
export {
  LedgerConfigSchema,
  CreditPackageSchema,
  DEFAULT_LEDGER_CONFIG_INPUT,
  defaultLedgerConfig,
  parseLedgerConfig,
  featurePrice,
  packageById,
  type CreditPackage,
  type LedgerConfig,
  type LedgerConfigInput,
} from './config.js';
export {
  initialState,
  initialCore,
  availableOf,
  isInDebt,
  summaryOf,
  indexEntryOf,
  paymentKey,
  grantKey,
  reservationKey,
  adjustmentKey,
  type Account,
  type AccountCore,
  type AccountIndex,
  type IndexEntry,
  type OpenHold,
} from './account.js';
export { evolve, foldAccount } from './evolve.js';
export { InvariantViolation } from '../decider/index.js';
export { decide, keysOf } from './decide.js';
export type { AccountDecision } from './decision.js';
export { accountDecider, accountStream, ACCOUNT_STREAM_PREFIX, ACCOUNT_SNAPSHOT_VERSION } from './accountDecider.js';
export { guardAccountCommands } from './accountCommands.js';
export {
  PAYMENT_REVIEW_CATEGORY,
  PAYMENT_HOLD_REASONS,
  paymentReviewStream,
  type PaymentHoldReason,
  type StarsPaymentHeldData,
} from './paymentReview.js';
