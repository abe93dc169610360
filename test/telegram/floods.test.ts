import t from 'tap';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { botHarness, eventually, ScriptedAi, textOf, type BotHarness, type TestUser } from '../support/telegramBot.js';

/**
 * Issue 14, reproduction 6: one answer per intent. Quick repeated taps and photo floods are
 * coalesced per chat and action; the bot never sends the same prompt twice in a row.
 */

const ready = async (h: BotHarness, user: TestUser): Promise<void> => {
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.ledger(`account-${user.id}`, {
    type: 'GrantCredits',
    grantId: `promo-${user.id}`,
    credits: 10,
    reason: 'promo',
    operator: 'test',
    occurredAt: new Date().toISOString(),
  });
  await h.send(user.press('menu:stylist'));
  await h.send(user.press('consent:yes:stylist'));
  await h.send(user.press('flow:cancel'));
};

/** Accepts every update at once (as a webhook burst does), then waits until all are handled. */
const burst = async (h: BotHarness, updates: ReturnType<TestUser['photo']>[]): Promise<void> => {
  await Promise.all(updates.map((u) => h.runtime.processor.accept(u)));
  await h.runtime.processor.idle();
};

const messagesTo = (calls: Array<{ method: string; payload: Record<string, unknown> }>) =>
  calls.filter((c) => c.method === 'sendMessage' || c.method === 'sendPhoto');

const repeatsInARow = (texts: string[]): string[] => texts.filter((text, i) => i > 0 && text === texts[i - 1]);

t.test('5 quick taps on "Virtual try-on": one session, one prompt', async (t) => {
  const h = await botHarness(t);
  const user = h.user(1461);
  await ready(h, user);
  const sent = h.since();
  await burst(
    h,
    Array.from({ length: 5 }, () => user.press('menu:tryon')),
  );
  const texts = messagesTo(sent()).map(textOf);
  t.equal(texts.length, 1, 'one answer');
  t.match(texts[0], /^Send a photo of the clothing item/);
  const { rows } = await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'TryOnStarted'");
  t.equal(rows[0].n, 1, 'one session');
  t.equal(sent().filter((c) => c.method === 'answerCallbackQuery').length, 5, 'every spinner ends');

  // Per action: another button right after the burst is a new intent.
  await h.send(user.press('flow:cancel'));
  t.match(textOf(messagesTo(sent()).at(-1)!), /cancelled/i);
});

t.test('5 taps on a stylist budget: one "Analysing…"', async (t) => {
  const ai = new ScriptedAi();
  const h = await botHarness(t, { ai });
  const user = h.user(1462);
  await ready(h, user);
  await h.send(user.press('menu:stylist'));
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  const sessionId = rows[0].session_id as string;
  h.fake.addFile('me', tinyJpeg(400, 600));
  await h.send(user.photo('me'));
  await h.send(user.press(`style:${sessionId}:casual`));
  await h.send(user.press(`occasion:${sessionId}:work`));
  ai.pause();
  const sent = h.since();
  await burst(
    h,
    Array.from({ length: 5 }, () => user.press(`budget:${sessionId}:low`)),
  );
  const texts = messagesTo(sent()).map(textOf);
  t.equal(texts.filter((text) => /Analysing/.test(text)).length, 1, 'one "Analysing…"');
  t.equal(texts.length, 1);
  ai.resume();
  const held = await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsReserved'");
  t.equal(held.rows[0].n, 1);
});

t.test('30 photos in a burst during a try-on: one AI call and no prompt twice in a row', async (t) => {
  const ai = new ScriptedAi();
  const h = await botHarness(t, { ai });
  const user = h.user(1463);
  await ready(h, user);
  await h.send(user.press('menu:tryon'));
  h.fake.addFile('cloth', tinyJpeg(512, 512));
  h.fake.addFile('person', tinyPng(384, 512));
  const sent = h.since();
  const photos = [user.photo('cloth'), user.photo('person'), ...Array.from({ length: 28 }, () => user.photo('person'))];
  await burst(h, photos);
  await h.waitForCall((c) => c.method === 'sendPhoto');
  await eventually(
    async () =>
      (await h.pool.query("SELECT 1 FROM bot_notifications WHERE kind = 'tryon_result' AND status = 'sent'"))
        .rowCount === 1,
  );
  // A second burst once the result is there: each photo would ask "rate, try again or menu?".
  await burst(
    h,
    Array.from({ length: 10 }, () => user.photo('person')),
  );

  t.same(ai.calls, ['generate'], 'one AI call');
  const texts = messagesTo(sent()).map(textOf);
  t.same(repeatsInARow(texts), [], `no message twice in a row: ${JSON.stringify(texts)}`);
  t.ok(texts.length <= 6, `a handful of messages, not one per photo (${texts.length})`);
  const ratePrompts = texts.filter((text) => /^Rate the result/.test(text));
  t.ok(ratePrompts.length <= 1, 'at most one "rate the result" prompt');
});
