import t from 'tap';
import { ZodError } from 'zod';
import {
  DEFAULT_LEDGER_CONFIG_INPUT,
  defaultLedgerConfig,
  featurePrice,
  packageById,
  parseLedgerConfig,
} from './config.js';

t.test('the defaults: try-on 3, styling 5, a welcome of 3, both packages priced in every currency', async (t) => {
  t.equal(featurePrice(defaultLedgerConfig, 'tryon'), 3);
  t.equal(featurePrice(defaultLedgerConfig, 'styling'), 5);
  t.equal(defaultLedgerConfig.welcomeCredits, 3);
  t.same(Object.keys(packageById(defaultLedgerConfig, 'premium').prices).sort(), ['RUB', 'USD', 'XTR']);
});

t.test('omitted limits take their defaults', async (t) => {
  const { welcomeCredits: _w, maxHoldTtlSeconds: _m, maxOpenHolds: _o, ...rest } = DEFAULT_LEDGER_CONFIG_INPUT;
  const config = parseLedgerConfig(rest);
  t.equal(config.welcomeCredits, 3);
  t.equal(config.maxHoldTtlSeconds, 3600);
  t.equal(config.maxOpenHolds, 32);
});

const bad: Array<[string, Record<string, unknown>]> = [
  ['a package missing', { packages: DEFAULT_LEDGER_CONFIG_INPUT.packages.slice(0, 1) }],
  ['a package twice', { packages: [...DEFAULT_LEDGER_CONFIG_INPUT.packages, DEFAULT_LEDGER_CONFIG_INPUT.packages[0]] }],
  [
    'an unknown package',
    {
      packages: [
        ...DEFAULT_LEDGER_CONFIG_INPUT.packages,
        { id: 'gold', credits: 1, prices: { USD: 1, RUB: 1, XTR: 1 } },
      ],
    },
  ],
  [
    'a price in float dollars',
    {
      packages: [
        { id: 'basic', credits: 10, prices: { USD: 1.99, RUB: 19900, XTR: 100 } },
        DEFAULT_LEDGER_CONFIG_INPUT.packages[1],
      ],
    },
  ],
  [
    'a price missing a currency',
    {
      packages: [
        { id: 'basic', credits: 10, prices: { USD: 199, RUB: 19900 } },
        DEFAULT_LEDGER_CONFIG_INPUT.packages[1],
      ],
    },
  ],
  ['a feature price of zero', { featurePrices: { tryon: 0, styling: 5, recommendations: 1 } }],
  ['an unknown feature', { featurePrices: { tryon: 3, styling: 5, recommendations: 1, haircut: 2 } }],
  ['a negative welcome', { welcomeCredits: -1 }],
  ['a hold ttl of a week', { maxHoldTtlSeconds: 7 * 24 * 3600 }],
  ['an unknown setting', { currencyRates: {} }],
];

for (const [name, change] of bad) {
  t.test(`refuses ${name}`, async (t) => {
    t.throws(() => parseLedgerConfig({ ...DEFAULT_LEDGER_CONFIG_INPUT, ...change }), ZodError);
  });
}
