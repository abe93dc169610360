export { createPaymentsProcessor, type PaymentsProcessor, type PaymentsProcessorOptions, type ProcessedRow } from './processor.js';
export { createInterpreter, type Interpreter } from './interpret.js';
export { applyFact, clawbackOf, type ApplyDependencies, type ApplyResult, type LedgerHandler } from './apply.js';
export { reconcilePayments, startReconciler, type Reconciliation, type ProviderReconciliation } from './reconciler.js';
export { recordDelivery, inboxCounts, type Delivery, type InboxKind, type InboxRow } from './inbox.js';
export { PAYMENT_ERROR_CODES, ProviderRejected, ProviderUnreachable, OutcomeUnknown, type PaymentErrorCode } from './errors.js';
export { createProviderRefunds, type ProviderRefunder, type ProviderRefunders, type RefundRequest } from './refunds.js';
export {
  checkStarsPreCheckout, starsInvoice, starsPurchaseFact, type StarsPaymentRecord, type StarsRefundRecord,
} from './stars.js';
export { CheckoutUnavailable, type CheckoutAnswer, type CheckoutRequest, type StartCheckout } from './checkout.js';
export type { StripeDeliveryCheck, VerifyStripeDelivery, YooKassaDeliveryCheck } from './webhookChecks.js';
