import t from 'tap';
import { botHarness, buttonsOf, textOf } from '../support/telegramBot.js';

t.test('/start opens the account with the welcome credits, asks the language once, then shows the menu', async (t) => {
  const h = await botHarness(t);
  const anna = h.user(101, 'ru-RU');
  const sent = h.since();
  await h.send(anna.command('start'));
  const [ask] = sent();
  t.equal(ask?.method, 'sendMessage');
  t.equal(textOf(ask!), 'Выберите язык:', "asked in Telegram's language");
  t.same(buttonsOf(ask!), ['lang:en', 'lang:ru']);

  const chosen = h.since();
  await h.send(anna.press('lang:ru'));
  const texts = chosen()
    .filter((c) => c.method === 'sendMessage')
    .map(textOf);
  t.match(
    texts[0],
    /Добро пожаловать в Modera! .* Ваш баланс: 3 кредита\./,
    'welcome credits, read from the read table',
  );
  t.equal(texts[1], 'Что хотите сделать?');
  t.same(buttonsOf(chosen().at(-1)!), [
    'menu:tryon',
    'menu:stylist',
    'menu:profile',
    'menu:buy',
    'menu:help',
    'menu:settings',
  ]);

  const again = h.since();
  await h.send(anna.command('start'));
  t.equal(textOf(again()[0]!), 'С возвращением! Что хотите сделать?', 'no second language question');
  const { rows } = await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsGranted'");
  t.equal(rows[0].n, 1, 'the welcome credits are granted once');
});

t.test('English users get English; the language can be changed in settings', async (t) => {
  const h = await botHarness(t);
  const bob = h.user(102, 'en');
  await h.send(bob.command('start'));
  await h.send(bob.press('lang:en'));
  const sent = h.since();
  await h.send(bob.press('menu:settings'));
  t.equal(textOf(sent()[1]!), 'Settings:');
  await h.send(bob.press('settings:language'));
  await h.send(bob.press('lang:ru'));
  t.equal(textOf(sent().at(-1)!), 'Язык изменён. Что хотите сделать?');
});
