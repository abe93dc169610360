import { readdir } from 'node:fs/promises';
import t from 'tap';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { botHarness, buttonsOf, textOf } from '../support/telegramBot.js';

t.test('settings: withdraw consent (asked again next time) and delete my photos', async (t) => {
  const h = await botHarness(t);
  const user = h.user(801);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.send(user.press('menu:tryon'));
  await h.send(user.press('consent:yes:tryon'));
  h.fake.addFile('c', tinyJpeg(256, 256));
  await h.send(user.photo('c'));
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  const sessionId = rows[0].session_id as string;
  const stored = async () => {
    return (await readdir(h.filesDir, { recursive: true })).filter(
      (f) => String(f).includes(sessionId) && /\.(jpg|png)$/.test(String(f)),
    );
  };
  t.equal((await stored()).length, 1, 'the clothing photo is stored');

  const sent = h.since();
  await h.send(user.press('menu:settings'));
  t.same(buttonsOf(sent().find((c) => c.method === 'sendMessage')!), [
    'settings:language',
    'settings:withdraw',
    'settings:delete_photos',
    'menu:home',
  ]);
  await h.send(user.press('settings:delete_photos'));
  t.equal(
    textOf(
      sent()
        .filter((c) => c.method === 'sendMessage')
        .at(-1)!,
    ),
    'Deleted 1 photo.',
  );
  t.same(await stored(), []);
  const events = await h.pool.query('SELECT type FROM events WHERE stream = $1 ORDER BY position', [
    `tryon-${sessionId}`,
  ]);
  t.same(
    events.rows.map((r) => r.type),
    ['TryOnStarted', 'ClothingImageProvided', 'SessionCancelled'],
    'the open session was cancelled first',
  );

  await h.send(user.press('settings:withdraw'));
  t.match(
    textOf(
      sent()
        .filter((c) => c.method === 'sendMessage')
        .at(-1)!,
    ),
    /^Consent withdrawn/,
  );
  await h.send(user.press('menu:tryon'));
  t.same(
    buttonsOf(
      sent()
        .filter((c) => c.method === 'sendMessage')
        .at(-1)!,
    ),
    ['consent:yes:tryon', 'consent:no:tryon'],
    'asked again',
  );
  await h.send(user.press('consent:no:tryon'));
  t.match(
    textOf(
      sent()
        .filter((c) => c.method === 'sendMessage')
        .at(-1)!,
    ),
    /^Without consent/,
  );
});

t.test('help and /paysupport: how refunds work; a refund request is recorded as an event', async (t) => {
  const h = await botHarness(t);
  const user = h.user(802, 'ru');
  await h.send(user.command('start'));
  await h.send(user.press('lang:ru'));
  const sent = h.since();
  await h.send(user.command('paysupport'));
  const answer = sent().find((c) => c.method === 'sendMessage')!;
  t.match(textOf(answer), /^Поддержка по оплате/);
  t.same(buttonsOf(answer), ['support:refund', 'menu:home']);
  await h.send(user.press('support:refund'));
  const recorded = textOf(
    sent()
      .filter((c) => c.method === 'sendMessage')
      .at(-1)!,
  );
  const requestId = /запрос ([0-9A-F]{8}) записан/.exec(recorded)?.[1];
  t.ok(requestId, recorded);
  const { rows } = await h.pool.query("SELECT stream, data, metadata FROM events WHERE type = 'SupportRequested'");
  t.match(rows, [
    {
      stream: /^support-/,
      data: { requestId, userId: String(user.id), topic: 'refund', channel: 'telegram' },
      metadata: { actor: `user:${user.id}` },
    },
  ]);
});

t.test('a photo outside any flow, and text, get the menu', async (t) => {
  const h = await botHarness(t);
  const user = h.user(803);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  const sent = h.since();
  h.fake.addFile('p', tinyPng(100, 100));
  await h.send(user.photo('p'));
  await h.send(user.text('hello?'));
  t.same(sent().map(textOf), [
    'To use a photo, first choose Virtual try-on or AI stylist.',
    'I did not understand that. Please choose from the menu.',
  ]);
  t.notOk(
    h.fake.received.some((c) => c.method === 'getFile'),
    'nothing downloaded',
  );
});
