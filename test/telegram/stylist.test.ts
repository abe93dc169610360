import t from 'tap';
import { tinyJpeg } from '../fixtures/images.js';
import { botHarness, buttonsOf, ScriptedAi, textOf } from '../support/telegramBot.js';

t.test(
  'a stylist session in Russian: photo, style, occasion and budget buttons, processing, ' +
    'the analysis with shopping links',
  async (t) => {
    const ai = new ScriptedAi();
    const h = await botHarness(t, { ai });
    const user = h.user(401, 'ru');
    await h.send(user.command('start'));
    await h.send(user.press('lang:ru'));
    // Five credits are needed; the welcome grant is three.
    await h.ledger(`account-${user.id}`, {
      type: 'GrantCredits',
      grantId: 'promo-1',
      credits: 10,
      reason: 'promo',
      operator: 'test',
      occurredAt: new Date().toISOString(),
    });

    const sent = h.since();
    const messages = () => sent().filter((c) => c.method === 'sendMessage');
    await h.send(user.press('menu:stylist'));
    t.same(buttonsOf(messages()[0]!), ['consent:yes:stylist', 'consent:no:stylist']);
    await h.send(user.press('consent:yes:stylist'));
    t.equal(textOf(messages().at(-1)!), 'Пришлите своё фото (лучше в полный рост). Совет стилиста стоит 5 кредитов.');

    h.fake.addFile('me', tinyJpeg(400, 600));
    await h.send(user.photo('me'));
    const {
      rows: [chat],
    } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
    t.equal(textOf(messages().at(-1)!), 'Какой стиль вам нравится?');
    t.ok(
      buttonsOf(messages().at(-1)!).includes(`style:${chat.session_id}:minimalist`),
      'each button names its session',
    );
    await h.send(user.press(`style:${chat.session_id}:minimalist`));
    t.equal(textOf(messages().at(-1)!), 'Для какого случая?');
    await h.send(user.press(`occasion:${chat.session_id}:work`));
    const budget = messages().at(-1)!;
    t.equal(textOf(budget), 'Какой у вас бюджет?');
    const labels = (budget.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string }>> }).inline_keyboard
      .flat()
      .map((b) => b.text.replace(/\s/g, ' '));
    t.same(labels.slice(0, 3), ['До 5 000 ₽', '5 000–20 000 ₽', '20 000–100 000 ₽'], 'roubles for Russian');

    ai.pause();
    await h.send(user.press(`budget:${chat.session_id}:mid`));
    t.equal(
      textOf(messages().at(-1)!).replace(/\s/g, ' '),
      'Совет стилиста стоит 5 кредитов. Баланс: доступно 8, в резерве 5. Анализирую… Пришлю результат сюда.',
    );
    ai.resume();

    const analysis = await h.waitForCall((c) => /^Ваш стилевой анализ/.test(textOf(c)));
    t.match(
      textOf(analysis),
      /Clean lines suit you\.[\s\S]*Тип фигуры: rectangle[\s\S]*• Navy blazer: Sharpens the shoulders\./,
    );
    const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
    t.same(buttonsOf(analysis), [
      'https://www.wildberries.ru/catalog/0/search.aspx?search=navy%20blazer%20slim',
      'https://shop.example/sneakers',
      `stylist:menu:${rows[0].session_id}`,
    ]);
    const events = await h.pool.query(
      "SELECT type, data FROM events WHERE stream LIKE 'styling-%' AND type = 'StylePreferencesProvided'",
    );
    t.same(events.rows[0].data.preferences, {
      style: 'minimalist',
      occasion: 'work',
      budget: { currency: 'RUB', minMinor: 500_000, maxMinor: 2_000_000 },
    });

    await h.send(user.press(`stylist:menu:${rows[0].session_id}`));
    t.equal(textOf(messages().at(-1)!), 'Что хотите сделать?');
    const profile = h.since();
    await h.send(user.press('menu:profile'));
    t.match(textOf(profile().find((c) => c.method === 'sendMessage')!), /^Баланс: доступно 8, в резерве 0\./);
  },
);

t.test('a button of another step, or from an old session, does not break the flow', async (t) => {
  const h = await botHarness(t);
  const user = h.user(402);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  const sent = h.since();
  await h.send(user.press('occasion:work'));
  await h.send(user.press('budget:low'));
  await h.send(user.press('rate:00000000-0000-4000-8000-000000000000:5'));
  // A stale button is answered with a toast only: nothing is sent to the chat, nothing changes.
  const toast = ['answerCallbackQuery', 'This button is no longer active.'];
  t.same(
    sent().map((c) => [c.method, c.payload.text]),
    Array(3).fill(toast),
  );
});
