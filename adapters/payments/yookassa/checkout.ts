import { createHash } from 'node:crypto';
import type { CreditPackage } from '../../../core/ledger/config.js';
import { OutcomeUnknown } from '../../../app/payments/errors.js';
import { decimalFromMinor } from '../../../app/payments/money.js';
import type { YooKassaClient, YooKassaCreatePayment } from './client.js';

/**
 * The fiscal fields of the 54-FZ receipt YooKassa sends to the tax service for us. What they must
 * be depends on the shop's tax system, so they are configuration; the defaults suit a shop on
 * the simplified tax system selling prepaid credits for an online service.
 */
export interface YooKassaReceiptSettings {
  /** 1: without VAT (УСН); 2: 0 %; 4: 20 %; … (YooKassa's vat_code table). */
  vatCode: number;
  /** What is sold: `service` (услуга). */
  paymentSubject: string;
  /** `full_prepayment`: paid in full before the service (credits are spent later). */
  paymentMode: string;
}

export const DEFAULT_RECEIPT_SETTINGS: YooKassaReceiptSettings = {
  vatCode: 1,
  paymentSubject: 'service',
  paymentMode: 'full_prepayment',
};

export interface YooKassaCheckoutRequest {
  userId: string;
  package: CreditPackage;
  /** Where YooKassa sends the user back after paying. */
  returnUrl: string;
  /** 54-FZ: the receipt goes to the customer's e-mail (or phone; we ask for e-mail). */
  email: string;
  /** One per checkout attempt (see the Stripe checkout): makes the Idempotence-Key. */
  attemptId: string;
  receipt?: YooKassaReceiptSettings;
}

export interface YooKassaCheckout {
  paymentId: string;
  /** confirmation.confirmation_url: YooKassa's payment page. */
  url: string;
}

/** Our Idempotence-Key for one attempt: the same on every retry; a hash, to fit YooKassa's 64 characters. */
export const yookassaIdempotenceKey = (
  request: Pick<YooKassaCheckoutRequest, 'userId' | 'package' | 'attemptId'>,
): string =>
  createHash('sha256')
    .update(`modera-checkout\0${request.userId}\0${request.package.id}\0${request.attemptId}`)
    .digest('hex');

/** The payment we ask YooKassa for: one package in RUB, captured at once, with its receipt. */
export const yookassaPaymentPayload = (request: YooKassaCheckoutRequest): YooKassaCreatePayment => {
  const { package: pkg } = request;
  const receipt = request.receipt ?? DEFAULT_RECEIPT_SETTINGS;
  const value = { value: decimalFromMinor(pkg.prices.RUB), currency: 'RUB' as const };
  const description = `Modera: ${pkg.credits} кредитов (${pkg.id})`;
  return {
    amount: value,
    capture: true,
    confirmation: { type: 'redirect', return_url: request.returnUrl },
    description,
    metadata: { userId: request.userId, packageId: pkg.id },
    receipt: {
      customer: { email: request.email },
      items: [
        {
          description,
          quantity: '1.00',
          amount: value,
          vat_code: receipt.vatCode,
          payment_subject: receipt.paymentSubject,
          payment_mode: receipt.paymentMode,
        },
      ],
    },
  };
};

/** Creates the payment and returns where to send the user. */
export const createYooKassaCheckout = async (
  client: YooKassaClient,
  request: YooKassaCheckoutRequest,
): Promise<YooKassaCheckout> => {
  const payment = await client.createPayment(yookassaPaymentPayload(request), yookassaIdempotenceKey(request));
  const url = payment.confirmation?.confirmation_url;
  if (!url)
    throw new OutcomeUnknown('malformed_response', `payment ${payment.id} has no confirmation_url`, {
      provider: 'yookassa',
    });
  return { paymentId: payment.id, url };
};
