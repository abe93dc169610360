import t from 'tap';
import { defaultLedgerConfig, packageById } from '../../../core/ledger/config.js';
import { checkStarsPreCheckout, parseStarsPayload, starsInvoice, starsPurchaseFact, starsTransactionFact, INVOICE_PAYLOAD_MAX_BYTES } from './invoice.js';

const basic = packageById(defaultLedgerConfig, 'basic');

t.test('the invoice: XTR, empty provider token, one price item, a payload naming user and package', async (t) => {
  const invoice = starsInvoice(basic, '42');
  t.equal(invoice.currency, 'XTR');
  t.equal(invoice.providerToken, '');
  t.same(invoice.prices, [{ label: '10 credits', amount: basic.prices.XTR }]);
  t.same(parseStarsPayload(invoice.payload), { userId: '42', packageId: 'basic' });
  t.ok(Buffer.byteLength(starsInvoice(basic, '9'.repeat(20)).payload) <= INVOICE_PAYLOAD_MAX_BYTES);
});

t.test('pre-checkout: one row per reason to refuse', async (t) => {
  const query = { currency: 'XTR', total_amount: basic.prices.XTR, invoice_payload: starsInvoice(basic, '42').payload, from: { id: 42 } };
  t.same(checkStarsPreCheckout(defaultLedgerConfig, query), { ok: true });
  const rows: Array<[string, Partial<typeof query>, string]> = [
    ['not Stars', { currency: 'USD' }, 'wrong_currency'],
    ['a payload not ours', { invoice_payload: 'something-else' }, 'unknown_payload'],
    ['an unknown package', { invoice_payload: 'modera:v1:gold:42' }, 'unknown_payload'],
    ['another user pays', { from: { id: 43 } }, 'wrong_user'],
    ['the price changed since the invoice', { total_amount: basic.prices.XTR - 1 }, 'price_changed'],
  ];
  for (const [name, change, reason] of rows) t.same(checkStarsPreCheckout(defaultLedgerConfig, { ...query, ...change }), { ok: false, reason }, name);
});

t.test('successful_payment and star transactions become the same purchase, keyed by the charge id', async (t) => {
  const payload = starsInvoice(basic, '42').payload;
  const fact = starsPurchaseFact({ userId: '42', date: 1_750_000_000, payment: {
    currency: 'XTR', total_amount: 100, invoice_payload: payload, telegram_payment_charge_id: 'stxCharge1', provider_payment_charge_id: '' } });
  t.match(fact, { kind: 'purchase', provider: 'telegram_stars', paymentId: 'stxCharge1', userId: '42', packageId: 'basic', amountMinor: 100, currency: 'XTR' });
  const fromTransaction = starsTransactionFact({ id: 'stxCharge1', amount: 100, date: 1_750_000_000,
    source: { type: 'user', transaction_type: 'invoice_payment', user: { id: 42, is_bot: false, first_name: 'Ann' }, invoice_payload: payload } });
  t.same(fromTransaction, fact);
  t.match(starsTransactionFact({ id: 'w1', amount: 500, date: 1, receiver: { type: 'fragment' } }), { kind: 'ignored' });
});
