import pino from 'pino';
import type { Update } from 'grammy/types';
import t from 'tap';
import {
  Deliveries,
  returnExpiredResults,
  UNDELIVERED_RESULT_TTL_SECONDS,
} from '../../adapters/telegram/deliveries.js';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { TEST_BOT_INFO } from '../fakes/telegramServer.js';
import { botHarness, eventually, ScriptedAi, textOf, type BotHarness, type TestUser } from '../support/telegramBot.js';

/**
 * Issue 14, reproduction 5: the user blocks the bot while a try-on runs. The result is kept,
 * nothing more is sent to the blocked chat, and the result is sent when the user comes back
 * (unblock, or /start); if they do not come back in time, its credits are given back.
 */

const BLOCKED = { status: 403, description: 'Forbidden: bot was blocked by the user' };

let nextUpdateId = 900_000;
const memberUpdate = (user: TestUser, status: 'kicked' | 'member'): Update => {
  const from = { id: user.id, is_bot: false, first_name: `User${user.id}` };
  const bot = { ...TEST_BOT_INFO };
  return {
    update_id: nextUpdateId++,
    my_chat_member: {
      chat: { id: user.id, type: 'private', first_name: from.first_name },
      from,
      date: Math.floor(Date.now() / 1000),
      old_chat_member:
        status === 'kicked' ? { user: bot, status: 'member' } : { user: bot, status: 'kicked', until_date: 0 },
      new_chat_member:
        status === 'kicked' ? { user: bot, status: 'kicked', until_date: 0 } : { user: bot, status: 'member' },
    },
  } as Update;
};

/** /start, English, consent, both photos: the try-on is processing when this returns (AI paused). */
const tryOnUntilProcessing = async (h: BotHarness, ai: ScriptedAi, user: TestUser): Promise<string> => {
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.send(user.press('menu:tryon'));
  await h.send(user.press('consent:yes:tryon'));
  const { rows } = await h.pool.query('SELECT session_id FROM bot_chats WHERE user_id = $1', [user.id]);
  ai.pause();
  h.fake.addFile(`c-${user.id}`, tinyJpeg(512, 512));
  h.fake.addFile(`p-${user.id}`, tinyPng(384, 512));
  await h.send(user.photo(`c-${user.id}`));
  await h.send(user.photo(`p-${user.id}`));
  return rows[0].session_id as string;
};

const waitingResults = async (h: BotHarness, userId: number) =>
  (
    await h.pool.query(
      "SELECT count(*)::int AS n FROM bot_undelivered_results WHERE user_id = $1 AND status = 'waiting'",
      [userId],
    )
  ).rows[0].n as number;

const balance = async (h: BotHarness, userId: number) =>
  (await h.pool.query('SELECT credits FROM users WHERE id = $1', [userId])).rows[0]?.credits as number | undefined;

const toUser = (user: TestUser) => (c: { payload: Record<string, unknown> }) =>
  String(c.payload.chat_id) === String(user.id);

t.test(
  'sendPhoto answers 403: the result is kept, nothing else is sent, and it is re-delivered on unblocking',
  async (t) => {
    const ai = new ScriptedAi();
    const h = await botHarness(t, { ai });
    const user = h.user(801);
    const sessionId = await tryOnUntilProcessing(h, ai, user);
    h.fake.failNext('sendPhoto', BLOCKED);
    ai.resume();
    await eventually(async () => (await waitingResults(h, user.id)) === 1);
    const blocked = await h.pool.query('SELECT blocked_at IS NOT NULL AS b FROM bot_chats WHERE user_id = $1', [
      user.id,
    ]);
    t.ok(blocked.rows[0].b, 'the chat is marked blocked');

    // A payment confirmation for a blocked chat is not even tried.
    const quiet = h.since();
    const purchase = await h.ledger(`account-${user.id}`, {
      type: 'PurchaseCredits',
      userId: String(user.id),
      paymentId: 'stars-while-blocked',
      provider: 'telegram_stars',
      packageId: 'basic',
      credits: 10,
      amountMinor: 100,
      currency: 'XTR',
      occurredAt: new Date().toISOString(),
    });
    t.ok(purchase.ok);
    await eventually(
      async () => (await h.runtime.notifier.checkpoint()) >= (purchase.ok ? purchase.position : Infinity),
    );
    t.same(quiet().filter(toUser(user)), [], 'no message to a chat that blocked the bot');

    const back = h.since();
    await h.send(memberUpdate(user, 'member'));
    const photos = back().filter((c) => c.method === 'sendPhoto');
    t.equal(photos.length, 1, 'the kept result is sent on unblocking');
    t.equal(textOf(photos[0]!), 'Here is your virtual try-on! Rate it:');
    t.match(JSON.stringify(photos[0]!.payload.reply_markup), sessionId);
    t.equal(back().filter((c) => c.method === 'sendMessage').length, 0, 'the unblock itself is not answered');
    t.equal(await waitingResults(h, user.id), 0);

    const again = h.since();
    await h.send(user.command('start'));
    t.equal(again().filter((c) => c.method === 'sendPhoto').length, 0, 'delivered once');
  },
);

t.test('blocked before the result (my_chat_member): no send is tried; /start brings the result', async (t) => {
  const ai = new ScriptedAi();
  const h = await botHarness(t, { ai });
  const user = h.user(802);
  await tryOnUntilProcessing(h, ai, user);
  await h.send(memberUpdate(user, 'kicked'));
  const quiet = h.since();
  ai.resume();
  await eventually(async () => (await waitingResults(h, user.id)) === 1);
  t.same(quiet().filter(toUser(user)), [], 'nothing is sent to the blocked chat');
  t.equal(h.fake.received.filter((c) => c.method === 'sendPhoto').length, 0, 'not even attempted');

  const back = h.since();
  await h.send(user.command('start'));
  const calls = back().filter(toUser(user));
  t.equal(calls[0]?.method, 'sendPhoto', 'the result first, then the answer to /start');
  t.ok(calls.some((c) => c.method === 'sendMessage'));
});

t.test('a result not delivered within its expiry: its credits go back, once, and it is not sent later', async (t) => {
  const ai = new ScriptedAi();
  const h = await botHarness(t, { ai });
  const user = h.user(803);
  const sessionId = await tryOnUntilProcessing(h, ai, user);
  await h.send(memberUpdate(user, 'kicked'));
  ai.resume();
  await eventually(async () => (await waitingResults(h, user.id)) === 1);
  await eventually(async () => (await balance(h, user.id)) === 0);

  const deps = {
    deliveries: new Deliveries(h.pool),
    store: h.store,
    ledger: h.ledger,
    logger: pino({ level: 'silent' }),
  };
  const early = await returnExpiredResults(deps, new Date(Date.now() + (UNDELIVERED_RESULT_TTL_SECONDS - 60) * 1000));
  t.equal(early, 0, 'nothing returned before the expiry');
  const later = new Date(Date.now() + (UNDELIVERED_RESULT_TTL_SECONDS + 60) * 1000);
  t.equal(await returnExpiredResults(deps, later), 1);
  t.equal(await returnExpiredResults(deps, later), 0, 'returned once');
  const adjusted = await h.pool.query("SELECT data FROM events WHERE stream = $1 AND type = 'CreditsAdjusted'", [
    `account-${user.id}`,
  ]);
  t.match(adjusted.rows, [
    { data: { adjustmentId: `undelivered-${sessionId}`, delta: 3, reason: 'result_undelivered' } },
  ]);
  await eventually(async () => (await balance(h, user.id)) === 3);

  const back = h.since();
  await h.send(memberUpdate(user, 'member'));
  t.equal(back().filter((c) => c.method === 'sendPhoto').length, 0, 'an expired result is not sent');

  await h.send(user.command('help'));
  t.match(
    textOf(back().find((c) => /^Modera lets you/.test(textOf(c)))!),
    /You pay only for a result delivered to you.*within 7 days, its credits are returned/,
    'the rule is in the help',
  );
});

t.test('a reply refused with 403 marks the chat blocked too; the next message from the user clears it', async (t) => {
  const h = await botHarness(t);
  const user = h.user(804);
  await h.send(user.command('start'));
  h.fake.failNext('sendMessage', BLOCKED);
  await h.send(user.command('help'));
  const blocked = async () =>
    (await h.pool.query('SELECT blocked_at IS NOT NULL AS b FROM bot_chats WHERE user_id = $1', [user.id])).rows[0]
      .b as boolean;
  t.ok(await blocked(), 'marked by the refused reply');
  await h.send(user.command('help'));
  t.notOk(await blocked(), 'the user wrote: they are back');
});
