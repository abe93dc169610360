import t from 'tap';
import { defaultLedgerConfig, packageById } from '../../core/ledger/config.js';
import { checkStarsPreCheckout, parseStarsPayload, starsInvoice, INVOICE_PAYLOAD_MAX_BYTES } from './stars.js';

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
  const query = {
    currency: 'XTR',
    total_amount: basic.prices.XTR,
    invoice_payload: starsInvoice(basic, '42').payload,
    from: { id: 42 },
  };
  t.same(checkStarsPreCheckout(defaultLedgerConfig, query), { ok: true });
  const rows: Array<[string, Partial<typeof query>, string]> = [
    ['not Stars', { currency: 'USD' }, 'wrong_currency'],
    ['a payload not ours', { invoice_payload: 'something-else' }, 'unknown_payload'],
    ['an unknown package', { invoice_payload: 'modera:v1:gold:42' }, 'unknown_payload'],
    ['another user pays', { from: { id: 43 } }, 'wrong_user'],
    ['the price changed since the invoice', { total_amount: basic.prices.XTR - 1 }, 'price_changed'],
  ];
  for (const [name, change, reason] of rows)
    t.same(checkStarsPreCheckout(defaultLedgerConfig, { ...query, ...change }), { ok: false, reason }, name);
});
