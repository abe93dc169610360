import t from 'tap';
import { ConfigError, featureEnabled, loadConfig } from './config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

t.test('defaults: embedded database, local port, every paid feature off with the reason', async (t) => {
  const config = loadConfig({});
  t.equal(config.env.PORT, 8000);
  t.equal(config.env.HOST, '127.0.0.1');
  t.equal(config.env.DATABASE_URL, undefined);
  t.match(config.dataDir, /\.modera$/);
  t.equal(config.env.TELEGRAM_API_ROOT, 'https://api.telegram.org');
  t.notOk(featureEnabled(config, 'stripe'));
  t.match(config.features.find((f) => f.name === 'stripe')?.reason, /STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET/);
});

t.test('each malformed value is named with what is expected', async (t) => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['port not a number', { PORT: 'eighty' }, /^PORT: expected a port number/],
    ['port out of range', { PORT: '70000' }, /^PORT: /],
    ['database url scheme', { DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: expected a PostgreSQL URL/],
    ['event store scheme', { EVENTSTORE_URL: 'http://kurrent:2113' }, /^EVENTSTORE_URL: expected a KurrentDB URL/],
    ['short api token', { INTERNAL_API_TOKEN: 'short' }, /^INTERNAL_API_TOKEN: expected a secret of at least 16/],
    [
      'admin role',
      { ADMIN_TOKENS: 'ann:owner:0123456789abcdef0' },
      /^ADMIN_TOKENS: entry "ann:…" must be name:role:token/,
    ],
    ['bot token shape', { TELEGRAM_BOT_TOKEN: 'nope' }, /^TELEGRAM_BOT_TOKEN: expected a bot token/],
    ['webhook secret chars', { TELEGRAM_WEBHOOK_SECRET: 'has spaces in it!!' }, /^TELEGRAM_WEBHOOK_SECRET: /],
    [
      'stripe half configured',
      { STRIPE_SECRET_KEY: 'sk_test_x' },
      /^STRIPE_WEBHOOK_SECRET: required together with STRIPE_SECRET_KEY/,
    ],
    ['log level', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  ];
  for (const [name, env, expected] of cases) t.match(problemsOf(env), [expected], name);
  t.equal(problemsOf({ PORT: 'x', DATABASE_URL: 'x' }).length, 2, 'every bad variable is reported at once');
});

t.test('admin tokens and feature switches', async (t) => {
  const config = loadConfig({
    ADMIN_TOKENS: 'ann:support:aaaaaaaaaaaaaaaa1, bob:finance:bbbbbbbbbbbbbbbb2',
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_WEBHOOK_SECRET: 'whsec_123',
    GEMINI_API_KEY: 'g',
  });
  t.same(config.env.ADMIN_TOKENS, [
    { name: 'ann', role: 'support', token: 'aaaaaaaaaaaaaaaa1' },
    { name: 'bob', role: 'finance', token: 'bbbbbbbbbbbbbbbb2' },
  ]);
  t.ok(featureEnabled(config, 'stripe'));
  t.ok(featureEnabled(config, 'ai'));
  t.ok(featureEnabled(config, 'admin'));
  t.notOk(featureEnabled(config, 'yookassa'));
});
