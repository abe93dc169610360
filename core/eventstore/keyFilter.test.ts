import t from 'tap';
import { KeyFilter } from './keyFilter.js';

const keys = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}:${i}-${(i * 2654435761) >>> 0}`);

t.test('never forgets a key it was given', async (t) => {
  const filter = new KeyFilter();
  const added = keys('payment', 20_000);
  for (const key of added) filter.add(key);
  t.equal(added.filter((key) => !filter.mayHave(key)).length, 0);
});

t.test('says "never written" for almost every other key at the sizes a cached account reaches', async (t) => {
  for (const [n, maxRate] of [
    [1_000, 0.001],
    [5_000, 0.06],
  ] as const) {
    const filter = new KeyFilter();
    for (const key of keys('reservation', n)) filter.add(key);
    const probes = keys('other', 20_000);
    const rate = probes.filter((key) => filter.mayHave(key)).length / probes.length;
    t.ok(rate <= maxRate, `${n} keys: false "may have" rate ${rate} <= ${maxRate}`);
  }
  t.notOk(new KeyFilter().mayHave('anything'), 'an empty filter has nothing');
});
