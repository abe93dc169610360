import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { BUDGET_CURRENCIES, OCCASION_CHOICES, STYLE_CHOICES } from '../../core/sessions/index.js';
import { LANGUAGES } from './chatState.js';
import { BOT_COMMANDS } from './commands.js';
import { TRANSACTION_KINDS } from './handlers/profile.js';
import { BUDGET_TIERS } from './keyboards.js';
import { createI18n, languageOf, LOCALES_DIR } from './i18n.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The message ids of a locale file: every line that starts an entry (`key = …`). */
const idsOf = (language: string): string[] =>
  readFileSync(path.join(LOCALES_DIR, `${language}.ftl`), 'utf8')
    .split('\n')
    .map((line) => /^([a-z][a-z0-9-]*) =/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();

/** Every literal key the code passes to a translate function: `t('key'` / `ctx.t('key'`. */
const keysInCode = (): Set<string> => {
  const keys = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z0-9-]+)'/g)) keys.add(match[1]!);
      }
    }
  };
  walk(here);
  return keys;
};

t.test('every key is in both languages, and nothing else', async (t) => {
  const [first, ...others] = LANGUAGES;
  const reference = idsOf(first);
  t.ok(reference.length > 50, "the reference language has the bot's messages");
  for (const language of others)
    t.same(idsOf(language), reference, `${language}.ftl has exactly the keys of ${first}.ftl`);
});

t.test('every key the code uses exists', async (t) => {
  const ids = new Set(idsOf('en'));
  for (const key of keysInCode()) t.ok(ids.has(key), `key used in code exists: ${key}`);
  const built = [
    ...STYLE_CHOICES.map((c) => `style-${c}`),
    ...OCCASION_CHOICES.map((c) => `occasion-${c}`),
    ...BUDGET_TIERS.flatMap((tier) => BUDGET_CURRENCIES.map((c) => `budget-${tier}-${c.toLowerCase()}`)),
    ...LANGUAGES.map((l) => `language-${l}`),
    ...BOT_COMMANDS.map((c) => `command-${c}`),
    ...[...TRANSACTION_KINDS, 'other'].map((k) => `transaction-${k}`),
  ];
  for (const key of built) t.ok(ids.has(key), `key built in code exists: ${key}`);
});

// A message Fluent could not parse is missing from its bundle, and translates to `{key}`.
t.test('every message parses and formats in both languages with its variables; plurals agree', async (t) => {
  const i18n = createI18n();
  const variables = {
    credits: 21,
    price: 3,
    available: 10,
    held: 3,
    rating: 5,
    count: 2,
    stars: 100,
    balance: 13,
    min: 50,
    max: 300,
    tryon: 3,
    styling: 5,
    requestId: 'AB12CD34',
    summary: 's',
    bodyType: 'b',
    palette: 'p',
    keywords: 'k',
    title: 't',
    reason: 'r',
    date: '2025-01-27',
    kind: 'k',
    paymentId: 'stars-charge-1',
    paid: 1,
    currency: 'XTR',
    days: 7,
  };
  for (const language of LANGUAGES) {
    for (const key of idsOf(language)) {
      const text = i18n.t(language, key, variables);
      t.notMatch(text, /^\{.*\}$|\{\$|\u2068/, `${language}/${key} formats: ${JSON.stringify(text.slice(0, 40))}`);
    }
  }
  t.equal(i18n.t('en', 'tryon-failed-refunded', { credits: 1 }).includes('1 credit '), true);
  t.equal(i18n.t('ru', 'tryon-failed-refunded', { credits: 3 }).includes('3 кредита'), true);
  t.equal(i18n.t('ru', 'tryon-failed-refunded', { credits: 5 }).includes('5 кредитов'), true);
});

t.test("Telegram's language codes map to ours", async (t) => {
  t.equal(languageOf('ru'), 'ru');
  t.equal(languageOf('ru-RU'), 'ru');
  t.equal(languageOf('en-GB'), 'en');
  t.equal(languageOf('de'), undefined);
  t.equal(languageOf(undefined), undefined);
});
