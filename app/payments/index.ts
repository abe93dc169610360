export { createPaymentsProcessor, type PaymentsProcessor, type PaymentsProcessorOptions, type ProcessedRow } from './processor.js';
export { createInterpreter, type Interpreter } from './interpret.js';
export { applyFact, clawbackOf, type ApplyDependencies, type ApplyResult, type LedgerHandler } from './apply.js';
export { reconcilePayments, startReconciler, type Reconciliation, type ProviderReconciliation } from './reconciler.js';
export { recordDelivery, inboxCounts, type Delivery, type InboxKind, type InboxRow } from './inbox.js';
export { PAYMENT_ERROR_CODES, ProviderRejected, ProviderUnreachable, OutcomeUnknown, type PaymentErrorCode } from './errors.js';
export { createProviderRefunds, YOOKASSA_REFUND_DESCRIPTION } from './refunds.js';
