import { InputFile } from 'grammy';
import t, { type Test as Tap } from 'tap';
import { accountStream } from '../../core/ledger/index.js';
import { tryOnStream } from '../../core/sessions/index.js';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';

import {
  botHarness,
  buttonsOf,
  eventually,
  ScriptedAi,
  textOf,
  type BotHarness,
  type TestUser,
} from '../support/telegramBot.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** /start, English, and consent given on the way into the try-on; returns the session id. */
const startTryOn = async (t: Tap, h: BotHarness, user: TestUser): Promise<string> => {
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  const sent = h.since();
  await h.send(user.press('menu:tryon'));
  const messages = () => sent().filter((c) => c.method === 'sendMessage');
  t.match(textOf(messages()[0]!), /photos are processed by AI providers/);
  t.same(buttonsOf(messages()[0]!), ['consent:yes:tryon', 'consent:no:tryon']);
  await h.send(user.press('consent:yes:tryon'));
  t.match(messages().slice(1).map(textOf), [/^Thank you/, /^Send a photo of the clothing item.*costs 3 credits/]);
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  return rows[0].session_id as string;
};

const uploadBoth = async (h: BotHarness, user: TestUser): Promise<string[]> => {
  const sent = h.since();
  h.fake.addFile(`cloth-${user.id}`, tinyJpeg(512, 512));
  await h.send(user.photo(`cloth-${user.id}`));
  h.fake.addFile(`person-${user.id}`, tinyPng(384, 512));
  await h.send(user.document(`person-${user.id}`, 'image/png'));
  return sent()
    .filter((c) => c.method === 'sendMessage')
    .map(textOf);
};

t.test("a bot-started session's events each name their actor: the user's steps, and the bot's own hold", async (t) => {
  const h = await botHarness(t);
  const user = h.user(211);
  const sessionId = await startTryOn(t, h, user);
  await uploadBoth(h, user);
  const events = await h.store.readStream(tryOnStream(sessionId));
  t.same(
    events.map((e) => e.type),
    ['TryOnStarted', 'ClothingImageProvided', 'PersonImageProvided', 'TryOnSubmitted'],
  );
  t.same(
    events.map((e) => e.metadata.actor),
    events.map(() => `user:${user.id}`),
    "every step was the user's",
  );
  const account = await h.store.readStream(accountStream(String(user.id)));
  const hold = account.find((e) => e.type === 'CreditsReserved');
  t.equal(hold?.metadata.actor, 'system:bot', 'the bot reserved the credits on its own behalf');
});

t.test(
  'a whole try-on: photos, cost and balance, processing, the result photo with its buttons, then the profile',
  async (t) => {
    const ai = new ScriptedAi();
    const h = await botHarness(t, { ai });
    const user = h.user(201);
    const sessionId = await startTryOn(t, h, user);
    ai.pause();
    const texts = await uploadBoth(h, user);
    t.match(texts, [
      /^Now send a photo of the person/,
      /^This try-on costs 3 credits\. Balance: 0 available, 3 on hold\. Processing…/,
    ]);
    const early = h.since();
    await h.send(user.text('is it ready?'));
    t.equal(textOf(early()[0]!), 'Still working on it. I will send the result here as soon as it is ready.');
    ai.resume();

    const result = await h.waitForCall((c) => c.method === 'sendPhoto');
    t.equal(String(result.payload.chat_id), String(user.id));
    t.ok(result.payload.photo instanceof InputFile, 'the generated image itself is sent');
    t.equal(textOf(result), 'Here is your virtual try-on! Rate it:');
    t.same(
      buttonsOf(result),
      [1, 2, 3, 4, 5]
        .map((n) => `rate:${sessionId}:${n}`)
        .concat(`tryon:again:${sessionId}`, `tryon:menu:${sessionId}`),
    );

    const rated = h.since();
    await h.send(user.press(`rate:${sessionId}:5`));
    t.match(rated()[0], { method: 'answerCallbackQuery', payload: { text: 'Thank you for rating!' } });
    await h.send(user.press(`tryon:menu:${sessionId}`));
    t.equal(textOf(rated().at(-1)!), 'What would you like to do?');

    const profile = h.since();
    await h.send(user.press('menu:profile'));
    const lines = textOf(profile().find((c) => c.method === 'sendMessage')!).split('\n');
    t.equal(lines[0], 'Balance: 0 available, 0 on hold.', 'the capture is in the read tables');
    t.match(lines.slice(2), [/ -3 · spent$/, / \+3 · bonus$/]);
    await eventually(
      async () =>
        (await h.pool.query("SELECT 1 FROM bot_notifications WHERE kind = 'tryon_result' AND status = 'sent'"))
          .rowCount === 1,
    );
  },
);

t.test('the AI fails: the held credits come back, and the user is told so', async (t) => {
  const ai = new ScriptedAi();
  ai.failWith = 'image_refused';
  const h = await botHarness(t, { ai });
  const user = h.user(202);
  await startTryOn(t, h, user);
  await uploadBoth(h, user);
  const refund = await h.waitForCall((c) => c.method === 'sendMessage' && /could not be made/.test(textOf(c)));
  t.equal(textOf(refund), 'Sorry, the try-on could not be made. The 3 credits on hold were returned to your balance.');
  t.ok(buttonsOf(refund).includes('menu:tryon'), 'with the menu');
  const profile = h.since();
  await h.send(user.press('menu:profile'));
  t.match(textOf(profile().find((c) => c.method === 'sendMessage')!), /^Balance: 3 available, 0 on hold\./);
  t.notOk(
    h.calls.some((c) => c.method === 'sendPhoto'),
    'no result photo',
  );
});

t.test('not enough credits: the buy menu, and nothing is held', async (t) => {
  const h = await botHarness(t, { ai: new ScriptedAi() });
  const user = h.user(203);
  await startTryOn(t, h, user);
  await uploadBoth(h, user);
  const first = await h.waitForCall((c) => c.method === 'sendPhoto');
  const sessionId = UUID.exec(buttonsOf(first)[0]!)![0];
  const sent = h.since();
  await h.send(user.press(`tryon:again:${sessionId}`));
  t.match(textOf(sent().at(-1)!), /^Send a photo of the clothing item/, 'no consent asked the second time');
  const texts = await uploadBoth(h, user);
  t.equal(
    texts.at(-1),
    'This costs 3 credits, and you have 0 available. Nothing was charged. Buy credits to continue:',
  );
  const buy = sent().at(-1)!;
  t.same(buttonsOf(buy), ['buy:basic', 'buy:premium', 'https://modera.example/checkout', 'menu:home']);
  const { rows } = await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsReserved'");
  t.equal(rows[0].n, 1, 'only the first try-on ever held credits');
  const chat = await h.pool.query('SELECT flow FROM bot_chats WHERE user_id = $1', [user.id]);
  t.equal(chat.rows[0].flow, 'menu');
});

t.test('anything but an image gets a hint, not a crash, and nothing is stored or spent', async (t) => {
  const h = await botHarness(t);
  const user = h.user(204);
  await startTryOn(t, h, user);
  const sent = h.since();
  await h.send(user.text('here is my shirt'));
  await h.send(user.document('report', 'application/pdf'));
  h.fake.addFile('fake-jpeg', Buffer.from('%PDF-1.7 not an image at all'));
  await h.send(user.document('fake-jpeg', 'image/jpeg'));
  h.fake.addFile('huge', tinyPng(64, 64), { reportedSize: 30 * 1024 * 1024 });
  await h.send(user.photo('huge', 30 * 1024 * 1024));
  // The hint is not repeated in a row (one answer per intent).
  t.same(
    sent()
      .filter((c) => c.method === 'sendMessage')
      .map(textOf),
    [
      'Please send a photo (as a photo or as an image file: JPEG, PNG or WebP).',
      'This file is not a JPEG, PNG or WebP image. Please send a photo.',
      'This image is too large. Please send one under 10 MB.',
    ],
  );
  t.notOk(
    h.fake.received.some((c) => c.method === 'getFile' && c.payload.file_id === 'huge'),
    'a declared oversize file is not even fetched',
  );
  const { rows } = await h.pool.query("SELECT type FROM events WHERE stream LIKE 'tryon-%' ORDER BY position");
  t.same(
    rows.map((r) => r.type),
    ['TryOnStarted'],
    'the session still waits for its clothing photo',
  );
  const failed = await h.pool.query('SELECT count(*)::int AS n FROM telegram_updates WHERE last_error IS NOT NULL');
  t.equal(failed.rows[0].n, 0, 'no handler failed');
});
