export { startCheckout, CheckoutUnavailable, type CheckoutAnswer, type CheckoutProviders, type CheckoutRequest } from './checkout.js';
export { checkStarsPreCheckout, starsInvoice, starsPurchaseFact, type StarsPaymentRecord, type StarsRefundRecord } from './telegramStars/invoice.js';
export { recordStarsRefund, refundStarsPayment } from './telegramStars/refund.js';
