import t from 'tap';
import { defaultLedgerConfig, packageById } from '../../../core/ledger/config.js';
import { starsInvoice, starsPurchaseFact } from '../../../app/payments/stars.js';
import { starsTransactionFact } from './transactions.js';

const basic = packageById(defaultLedgerConfig, 'basic');

t.test('successful_payment and star transactions become the same purchase, keyed by the charge id', async (t) => {
  const payload = starsInvoice(basic, '42').payload;
  const fact = starsPurchaseFact({
    userId: '42',
    date: 1_750_000_000,
    payment: {
      currency: 'XTR',
      total_amount: 100,
      invoice_payload: payload,
      telegram_payment_charge_id: 'stxCharge1',
      provider_payment_charge_id: '',
    },
  });
  t.match(fact, {
    kind: 'purchase',
    provider: 'telegram_stars',
    paymentId: 'stxCharge1',
    userId: '42',
    packageId: 'basic',
    amountMinor: 100,
    currency: 'XTR',
  });
  const fromTransaction = starsTransactionFact({
    id: 'stxCharge1',
    amount: 100,
    date: 1_750_000_000,
    source: {
      type: 'user',
      transaction_type: 'invoice_payment',
      user: { id: 42, is_bot: false, first_name: 'Ann' },
      invoice_payload: payload,
    },
  });
  t.same(fromTransaction, fact);
  t.match(starsTransactionFact({ id: 'w1', amount: 500, date: 1, receiver: { type: 'fragment' } }), {
    kind: 'ignored',
  });
});
