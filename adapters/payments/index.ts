export { startCheckout, type CheckoutProviders } from './checkout.js';
export { recordStarsRefund, refundStarsPayment } from './telegramStars/refund.js';
export { paymentInboxReaders, type InboxReaderDependencies } from './inboxReaders.js';
export { starsTransactionFact } from './telegramStars/transactions.js';
export { paidPaymentSources, type PaidPaymentClients } from './paidPayments.js';
export { providerRefunders, YOOKASSA_REFUND_DESCRIPTION, type RefundClients } from './refunds.js';
export { stripeDeliveryCheck, yookassaDeliveryCheck } from './webhookChecks.js';
