import pino from 'pino';
import t from 'tap';
import { pgSweepCandidates } from '../../adapters/postgres/index.js';
import { sessionStreams } from '../../app/sessions/index.js';
import { createHolds, expireIdleSessions } from '../../app/worker/index.js';
import { tinyPng } from '../fixtures/images.js';
import { botHarness, buttonsOf, eventually, ScriptedAi, textOf } from '../support/telegramBot.js';

t.test(
  'a flood over 100 updates a minute: the rest is dropped with one notice; payments and other users go through',
  async (t) => {
    const h = await botHarness(t);
    const flooder = h.user(501);
    const other = h.user(502);
    await h.send(flooder.command('start'));
    await h.send(flooder.press('lang:en'));
    const sent = h.since();
    for (let i = 0; i < 110; i++) await h.runtime.processor.accept(flooder.text(`spam ${i}`));
    await h.runtime.processor.accept(other.text('hello'));
    await h.runtime.processor.accept(flooder.paid(`modera:v1:basic:${flooder.id}`, 100, 'flood-charge'));
    await h.runtime.processor.idle();
    await h.waitForCall((c) => /too fast/.test(textOf(c)));

    const toFlooder = sent().filter((c) => c.method === 'sendMessage' && c.payload.chat_id === flooder.id);
    const menus = toFlooder.filter((c) => /^I did not understand/.test(textOf(c)));
    // One answer per intent: the same "did not understand" is not repeated in a row.
    t.equal(menus.length, 1, 'one answer to the whole flood');
    t.equal(
      toFlooder.filter((c) => textOf(c) === 'You are sending messages too fast. Please wait a minute.').length,
      1,
      'one notice',
    );
    t.ok(
      sent().some((c) => c.payload.chat_id === other.id),
      'another user is not limited',
    );
    const purchases = await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsPurchased'");
    t.equal(purchases.rows[0].n, 1, 'a payment is never dropped by the limiter');
    const updates = await h.pool.query('SELECT count(*)::int AS n FROM telegram_updates WHERE handled_at IS NULL');
    t.equal(updates.rows[0].n, 0, 'every update is marked handled, the dropped ones too');
  },
);

t.test('a duplicate update (same update_id) is recorded and handled once', async (t) => {
  const h = await botHarness(t);
  const user = h.user(503);
  const start = user.command('start');
  const sent = h.since();
  t.equal(await h.send(start), 'new');
  t.equal(await h.send(start), 'duplicate');
  t.equal(sent().filter((c) => c.method === 'sendMessage').length, 1);
  const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM telegram_updates');
  t.equal(rows[0].n, 1);
});

t.test('both languages end to end: the same steps answer in English and in Russian', async (t) => {
  const h = await botHarness(t);
  const english = h.user(504, 'en-US');
  const russian = h.user(505, 'ru');
  for (const [user, language] of [
    [english, 'en'],
    [russian, 'ru'],
  ] as const) {
    await h.send(user.command('start'));
    await h.send(user.press(`lang:${language}`));
    await h.send(user.press('menu:help'));
    await h.send(user.command('paysupport'));
  }
  const to = (id: number) => h.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === id).map(textOf);
  t.match(to(english.id), [
    /^Choose your language/,
    /^Welcome to Modera/,
    /^What would you like/,
    /^Modera lets you try clothes on/,
    /^Payment support/,
  ]);
  t.match(to(russian.id), [
    /^Выберите язык/,
    /^Добро пожаловать/,
    /^Что хотите сделать/,
    /^Modera — это виртуальная примерка/,
    /^Поддержка по оплате/,
  ]);
});

t.test('30 minutes of silence in a flow: the session expires and the user is back at the menu', async (t) => {
  const h = await botHarness(t);
  const user = h.user(506);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.send(user.press('menu:tryon'));
  await h.send(user.press('consent:yes:tryon'));
  h.clock.advance(31 * 60 * 1000);
  const sent = h.since();
  h.fake.addFile('late', tinyPng(128, 128));
  await h.send(user.photo('late'));
  // The bot or the notifier (whichever resets the chat first) sends the notice.
  const notice = await h.waitForCall((c) => /30 minutes/.test(textOf(c)));
  t.equal(textOf(notice), 'Your session ended after 30 minutes without activity. Any credits on hold were returned.');
  t.ok(buttonsOf(notice).includes('menu:tryon'));
  const events = await h.pool.query("SELECT type FROM events WHERE stream LIKE 'tryon-%' ORDER BY position");
  t.same(
    events.rows.map((r) => r.type),
    ['TryOnStarted', 'SessionExpired'],
  );
  const chat = await h.pool.query('SELECT flow FROM bot_chats WHERE user_id = $1', [user.id]);
  t.equal(chat.rows[0].flow, 'menu');
  // The notifier sees SessionExpired too, and says nothing more: the chat was reset already.
  await h.notified(await h.store.headPosition());
  t.same(
    sent().filter((c) => c.method === 'sendMessage'),
    [notice],
    'the stray photo is answered by the notice alone, once',
  );
});

t.test(
  'the notifier resets the chat before the bot does: the stray photo is still answered by the notice alone',
  async (t) => {
    const h = await botHarness(t);
    const user = h.user(508);
    await h.send(user.command('start'));
    await h.send(user.press('lang:en'));
    await h.send(user.press('menu:tryon'));
    await h.send(user.press('consent:yes:tryon'));
    // Force the interleaving a busy machine produced: the notifier handles SessionExpired (and
    // resets the chat) between the bot's expiry and the bot's own reset of the chat.
    const tryOn = h.runtime.deps.tryOn;
    const expire = tryOn.expire.bind(tryOn);
    tryOn.expire = async (sessionId, occurredAt) => {
      const outcome = await expire(sessionId, occurredAt);
      await h.notified(await h.store.headPosition());
      return outcome;
    };
    h.clock.advance(31 * 60 * 1000);
    const sent = h.since();
    h.fake.addFile('late', tinyPng(128, 128));
    await h.send(user.photo('late'));
    await h.waitForCall((c) => /30 minutes/.test(textOf(c)));
    t.same(
      sent()
        .filter((c) => c.method === 'sendMessage')
        .map(textOf),
      ['Your session ended after 30 minutes without activity. Any credits on hold were returned.'],
      'the notice alone, once',
    );
    const chat = await h.pool.query('SELECT flow FROM bot_chats WHERE user_id = $1', [user.id]);
    t.equal(chat.rows[0].flow, 'menu');
  },
);

t.test('the sweeper expires an idle session first: the notifier tells the user and resets the chat', async (t) => {
  const h = await botHarness(t, { ai: new ScriptedAi() });
  const user = h.user(507);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.send(user.press('menu:tryon'));
  await h.send(user.press('consent:yes:tryon'));
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  // The worker's orchestration projector lists the session for the sweeper.
  await eventually(
    async () =>
      (await h.pool.query('SELECT 1 FROM session_activity WHERE session_id = $1', [rows[0].session_id])).rowCount === 1,
  );
  const later = new Date(Date.now() + 31 * 60 * 1000);
  await expireIdleSessions({
    candidates: pgSweepCandidates(h.pool),
    sessions: sessionStreams(h.store, 'system:sweeper'),
    holds: createHolds({ store: h.store, actor: 'system:sweeper' }),
    clock: () => later,
    logger: pino({ level: 'silent' }),
  });
  const notice = await h.waitForCall((c) => /30 minutes/.test(textOf(c)));
  t.equal(String(notice.payload.chat_id), String(user.id));
  const chat = await h.pool.query('SELECT flow FROM bot_chats WHERE user_id = $1', [user.id]);
  t.equal(chat.rows[0].flow, 'menu');
});
