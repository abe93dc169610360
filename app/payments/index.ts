export {
  createPaymentsProcessor,
  type PaymentsProcessor,
  type PaymentsProcessorOptions,
  type ProcessedRow,
} from './processor.js';
export { createInterpreter, type Interpreter } from './interpret.js';
export { applyFact, clawbackOf, type ApplyDependencies, type ApplyResult, type LedgerHandler } from './apply.js';
export {
  reconcilePayments,
  startReconciler,
  type PaidPayment,
  type PaidPaymentSource,
  type Reconciliation,
  type ProviderReconciliation,
  type ReconcileStores,
} from './reconciler.js';
export type { Delivery, DeliveryRecorder, InboxKind, InboxRow, PaymentInbox } from './inbox.js';
export type { PurchaseIndex, RecordedPurchase } from './purchases.js';
export {
  PAYMENT_ERROR_CODES,
  ProviderRejected,
  ProviderUnreachable,
  OutcomeUnknown,
  type PaymentErrorCode,
} from './errors.js';
export { createProviderRefunds, type ProviderRefunder, type ProviderRefunders, type RefundRequest } from './refunds.js';
export {
  checkStarsPreCheckout,
  starsInvoice,
  starsPurchaseFact,
  type StarsPaymentRecord,
  type StarsRefundRecord,
} from './stars.js';
export { CheckoutUnavailable, type CheckoutAnswer, type CheckoutRequest, type StartCheckout } from './checkout.js';
export type { StripeDeliveryCheck, VerifyStripeDelivery, YooKassaDeliveryCheck } from './webhookChecks.js';
