import pino from 'pino';
import type { Update } from 'grammy/types';
import t, { type Test as Tap } from 'tap';
import { collectHealth } from '../../adapters/http/health.js';
import { buildHttpServer } from '../../adapters/http/server.js';
import { SECRET_HEADER, WEBHOOK_PATH } from '../../adapters/telegram/routes.js';
import { UpdateInbox } from '../../adapters/telegram/updateInbox.js';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { botHarness, eventually, ScriptedAi, textOf, type BotHarness, type TestUser } from '../support/telegramBot.js';

/**
 * Issue 14, reproduction 4: an album (photos sharing a media_group_id) is taken as a whole,
 * ordered by message_id, and its photos are assigned by their place in it (try-on: the clothing
 * first, then the person, as the prompts ask); an album of the wrong size is answered once and
 * nothing is charged. Through the webhook, long polling, and the inbox after a restart.
 */

const SECRET = 'webhook-secret-for-tests-0123';

/** A photo of `user` in album `group`, with the given message_id. */
const albumPart = (user: TestUser, fileId: string, group: string, messageId: number): Update => {
  const update = user.photo(fileId);
  return { ...update, message: { ...update.message!, message_id: messageId, media_group_id: group } } as Update;
};

const enterTryOn = async (h: BotHarness, user: TestUser): Promise<string> => {
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.send(user.press('menu:tryon'));
  await h.send(user.press('consent:yes:tryon'));
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  return rows[0].session_id as string;
};

const sessionEvents = async (h: BotHarness, sessionId: string) =>
  (await h.store.readStream(`tryon-${sessionId}`)).map((e) => ({
    type: e.type,
    data: e.data as Record<string, unknown>,
  }));

const charges = async (h: BotHarness, userId: number) =>
  (
    await h.pool.query(
      "SELECT count(*)::int AS n FROM events WHERE stream = $1 AND type IN ('CreditsReserved', 'ReservationCaptured')",
      [`account-${userId}`],
    )
  ).rows[0].n as number;

const webhook = async (t: Tap, h: BotHarness) => {
  const http = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    health: () =>
      collectHealth({ version: 't', startedAt: Date.now(), checks: {}, critical: [], projections: async () => [] }),
    plugins: [h.runtime.webhookRoutes()],
  });
  t.teardown(() => http.close());
  return (update: Update) =>
    http.inject({ method: 'POST', url: WEBHOOK_PATH, headers: { [SECRET_HEADER]: SECRET }, payload: update });
};

t.test(
  'a 2-photo album arriving reversed through the webhook: clothing first, person second, by message_id',
  async (t) => {
    const ai = new ScriptedAi();
    const h = await botHarness(t, {
      ai,
      transport: { mode: 'webhook', url: 'https://bot.example/webhook/telegram', secretToken: SECRET },
    });
    const post = await webhook(t, h);
    const user = h.user(701);
    const sessionId = await enterTryOn(h, user);
    h.fake.addFile('album-cloth', tinyJpeg(512, 512));
    h.fake.addFile('album-person', tinyPng(384, 512));
    const sent = h.since();
    // The person photo (the album's 2nd, higher message_id) arrives first, 14 ms before the clothing.
    t.equal((await post(albumPart(user, 'album-person', 'g-701', 9001))).statusCode, 200);
    await new Promise((resolve) => setTimeout(resolve, 14));
    t.equal((await post(albumPart(user, 'album-cloth', 'g-701', 9000))).statusCode, 200);
    await h.runtime.processor.idle();

    const events = await sessionEvents(h, sessionId);
    t.match(
      events.find((e) => e.type === 'ClothingImageProvided')?.data,
      { mimeType: 'image/jpeg' },
      'the 1st of the album is the clothing',
    );
    t.match(
      events.find((e) => e.type === 'PersonImageProvided')?.data,
      { mimeType: 'image/png' },
      'the 2nd is the person',
    );
    t.match(
      sent()
        .filter((c) => c.method === 'sendMessage')
        .map(textOf),
      [/^This try-on costs 3 credits/],
      'one answer for the album: processing (no "now send the person")',
    );
    await h.waitForCall((c) => c.method === 'sendPhoto');
  },
);

t.test(
  'an album of three photos while waiting for the clothing: asked once, nothing charged, no AI call',
  async (t) => {
    const ai = new ScriptedAi();
    const h = await botHarness(t, { ai, transport: { mode: 'polling' } });
    const user = h.user(702);
    const sessionId = await enterTryOn(h, user);
    for (const id of ['c1', 'c2', 'c3']) h.fake.addFile(id, tinyJpeg(512, 512));
    const sent = h.since();
    h.fake.pushUpdate(albumPart(user, 'c1', 'g-702', 9100));
    h.fake.pushUpdate(albumPart(user, 'c2', 'g-702', 9101));
    h.fake.pushUpdate(albumPart(user, 'c3', 'g-702', 9102));
    await eventually(
      async () =>
        (
          await h.pool.query(
            'SELECT count(*)::int AS n FROM telegram_updates WHERE handled_at IS NOT NULL AND chat_key = $1',
            [String(user.id)],
          )
        ).rows[0].n >= 7,
    );
    await h.runtime.processor.idle();

    const answers = sent()
      .filter((c) => c.method === 'sendMessage')
      .map(textOf);
    t.equal(answers.length, 1, 'one answer for the whole album');
    t.match(answers[0], /3 photos/);
    t.match(answers[0], /clothing first, then the person/);
    t.equal(await charges(h, user.id), 0, 'nothing held or charged');
    t.same(ai.calls, [], 'no AI call');
    const events = await sessionEvents(h, sessionId);
    t.notOk(
      events.some((e) => e.type === 'PersonImageProvided' || e.type === 'ClothingImageProvided'),
      'no photo taken from it',
    );

    // The user then sends the two photos one by one: the flow goes on as usual.
    h.fake.addFile('single-cloth', tinyJpeg(512, 512));
    h.fake.addFile('single-person', tinyPng(384, 512));
    await h.send(user.photo('single-cloth'));
    await h.send(user.photo('single-person'));
    t.ok((await sessionEvents(h, sessionId)).some((e) => e.type === 'TryOnSubmitted'));
  },
);

t.test('an album of two while waiting for the person photo: asked once for the one photo', async (t) => {
  const h = await botHarness(t);
  const user = h.user(703);
  const sessionId = await enterTryOn(h, user);
  h.fake.addFile('cloth', tinyJpeg(512, 512));
  await h.send(user.photo('cloth'));
  for (const id of ['p1', 'p2']) h.fake.addFile(id, tinyPng(384, 512));
  const sent = h.since();
  await Promise.all([
    h.runtime.processor.accept(albumPart(user, 'p1', 'g-703', 9200)),
    h.runtime.processor.accept(albumPart(user, 'p2', 'g-703', 9201)),
  ]);
  await h.runtime.processor.idle();
  const answers = sent()
    .filter((c) => c.method === 'sendMessage')
    .map(textOf);
  t.equal(answers.length, 1);
  t.match(answers[0], /2 photos/);
  t.equal(await charges(h, user.id), 0);
  t.notOk((await sessionEvents(h, sessionId)).some((e) => e.type === 'PersonImageProvided'));
});

t.test('album parts recorded before a crash are taken as one album after the restart', async (t) => {
  const h = await botHarness(t);
  const user = h.user(704);
  const sessionId = await enterTryOn(h, user);
  h.fake.addFile('r-cloth', tinyJpeg(512, 512));
  h.fake.addFile('r-person', tinyPng(384, 512));
  // Recorded (acknowledged to Telegram) but never handled: the process died.
  const inbox = new UpdateInbox(h.pool);
  await inbox.record(albumPart(user, 'r-person', 'g-704', 9301));
  await inbox.record(albumPart(user, 'r-cloth', 'g-704', 9300));
  await h.runtime.processor.recover();
  await h.runtime.processor.idle();
  const events = await sessionEvents(h, sessionId);
  t.match(events.find((e) => e.type === 'ClothingImageProvided')?.data, { mimeType: 'image/jpeg' });
  t.match(events.find((e) => e.type === 'PersonImageProvided')?.data, { mimeType: 'image/png' });
});

t.test('an album outside any flow is answered once', async (t) => {
  const h = await botHarness(t);
  const user = h.user(705);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  for (const id of ['o1', 'o2', 'o3']) h.fake.addFile(id, tinyJpeg(512, 512));
  const sent = h.since();
  await Promise.all(
    ['o1', 'o2', 'o3'].map((id, i) => h.runtime.processor.accept(albumPart(user, id, 'g-705', 9400 + i))),
  );
  await h.runtime.processor.idle();
  t.equal(sent().filter((c) => c.method === 'sendMessage').length, 1);
});

t.test('the stylist takes one photo: an album of two is answered once, and no photo is taken', async (t) => {
  const h = await botHarness(t);
  const user = h.user(706);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.send(user.press('menu:stylist'));
  await h.send(user.press('consent:yes:stylist'));
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  for (const id of ['s1', 's2']) h.fake.addFile(id, tinyJpeg(400, 600));
  const sent = h.since();
  await Promise.all(['s1', 's2'].map((id, i) => h.runtime.processor.accept(albumPart(user, id, 'g-706', 9500 + i))));
  await h.runtime.processor.idle();
  const answers = sent()
    .filter((c) => c.method === 'sendMessage')
    .map(textOf);
  t.equal(answers.length, 1);
  t.match(answers[0], /2 photos\. Style advice takes one photo/);
  const events = await h.store.readStream(`styling-${rows[0].session_id as string}`);
  t.notOk(
    events.some((e) => e.type === 'StylePhotoProvided'),
    'no photo taken from the album',
  );
});
