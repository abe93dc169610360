import t from 'tap';
import { clawbackOf } from './apply.js';
import { decimalFromMinor, ledgerCurrency, minorFromDecimal } from './money.js';

t.test('decimal strings and minor units convert on the digits', async (t) => {
  const rows: Array<[string, number | undefined]> = [
    ['199.00', 19_900],
    ['199', 19_900],
    ['0.01', 1],
    ['0.1', 10],
    ['699.99', 69_999],
    ['1.234', undefined],
    ['-1.00', undefined],
    ['1e3', undefined],
    ['', undefined],
    [' 1.00', undefined],
  ];
  for (const [text, minor] of rows) t.equal(minorFromDecimal(text), minor, text);
  t.equal(decimalFromMinor(19_900), '199.00');
  t.equal(decimalFromMinor(5), '0.05');
  t.throws(() => decimalFromMinor(1.5));
  t.equal(ledgerCurrency('usd'), 'USD');
  t.equal(ledgerCurrency('eur'), undefined);
  t.equal(ledgerCurrency(null), undefined);
});

t.test('clawback: full refunds take all credits, partial ones their share rounded up', async (t) => {
  const purchase = { credits: 10, amountMinor: 199 };
  t.same(clawbackOf(purchase, 199), { credits: 10, amountMinor: 199 });
  t.same(clawbackOf(purchase, 500), { credits: 10, amountMinor: 199 }, 'never more than the purchase');
  t.same(clawbackOf(purchase, 100), { credits: 6, amountMinor: 100 }, '10 × 100/199 = 5.03 → 6');
  t.same(clawbackOf(purchase, 1), { credits: 1, amountMinor: 1 });
  t.same(
    clawbackOf({ credits: 1_000_000, amountMinor: 1_000_000_000_000 }, 999_999_999_999),
    { credits: 1_000_000, amountMinor: 999_999_999_999 },
    'exact beyond 2^53',
  );
});
