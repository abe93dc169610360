import t, { type Test as Tap } from 'tap';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { botHarness, buttonsOf, ScriptedAi, textOf, type BotHarness, type TestUser } from '../support/telegramBot.js';

/**
 * Issue 14, reproductions 1-3: a button belongs to one session of one user. A stale one (its
 * session is not the chat's current step) or a foreign one (another user's session) gets the
 * "no longer active" toast and changes nothing; leaving a flow ends its session.
 */

const EXPIRED = 'This button is no longer active.';

/** /start, English, consent given, `credits` granted on top of the welcome ones. */
const ready = async (h: BotHarness, user: TestUser, credits = 10): Promise<void> => {
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));
  await h.ledger(`account-${user.id}`, {
    type: 'GrantCredits',
    grantId: `promo-${user.id}`,
    credits,
    reason: 'promo',
    operator: 'test',
    occurredAt: new Date().toISOString(),
  });
  await h.send(user.press('menu:settings'));
  const { rows } = await h.pool.query('SELECT 1 FROM events WHERE stream = $1', [`consent-${user.id}`]);
  if (rows.length === 0) {
    await h.send(user.press('menu:tryon'));
    await h.send(user.press('consent:yes:tryon'));
    await h.send(user.press('flow:cancel'));
  }
};

const chatOf = async (h: BotHarness, user: TestUser): Promise<{ flow: string; session_id: string | null }> =>
  (await h.pool.query('SELECT flow, session_id FROM bot_chats WHERE user_id = $1', [user.id])).rows[0];

const typesOf = async (h: BotHarness, stream: string): Promise<string[]> =>
  (await h.pool.query('SELECT type FROM events WHERE stream = $1 ORDER BY position', [stream])).rows.map(
    (r) => r.type as string,
  );

const reservations = async (h: BotHarness): Promise<number> =>
  (await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsReserved'")).rows[0].n;

/** A try-on from the menu to its delivered result; returns the session id. */
const tryOnToResult = async (h: BotHarness, user: TestUser): Promise<string> => {
  await h.send(user.press('menu:tryon'));
  const sessionId = (await chatOf(h, user)).session_id!;
  h.fake.addFile(`cloth-${user.id}`, tinyJpeg(512, 512));
  h.fake.addFile(`person-${user.id}`, tinyPng(384, 512));
  await h.send(user.photo(`cloth-${user.id}`));
  await h.send(user.photo(`person-${user.id}`));
  await h.waitForCall((c) => c.method === 'sendPhoto' && buttonsOf(c).includes(`tryon:menu:${sessionId}`));
  return sessionId;
};

/** Every call since `mark` was a toast saying the button is stale: nothing was sent to the chat. */
type Calls = Array<{ method: string; payload: Record<string, unknown> }>;

const onlyToasts = (t: Tap, calls: Calls, count: number): void => {
  t.same(
    calls.map((c) => c.method),
    Array(count).fill('answerCallbackQuery'),
    'no message, only the toasts',
  );
  for (const call of calls) t.equal(call.payload.text, EXPIRED);
};

t.test('repro 1: a stale Menu button of T1 while T2 is open changes nothing; T2 goes on', async (t) => {
  const h = await botHarness(t, { ai: new ScriptedAi() });
  const user = h.user(1401);
  await ready(h, user);
  const t1 = await tryOnToResult(h, user);
  await h.send(user.press(`tryon:menu:${t1}`));
  await h.send(user.press('menu:tryon'));
  const t2 = (await chatOf(h, user)).session_id!;
  await h.send(user.photo(`cloth-${user.id}`));

  const sent = h.since();
  await h.send(user.press(`tryon:menu:${t1}`));
  await h.send(user.press(`tryon:again:${t1}`));
  onlyToasts(t, sent(), 2);
  t.same(await chatOf(h, user), { flow: 'tryon', session_id: t2 }, 'the chat still points at T2; no menu was shown');
  t.same(await typesOf(h, `tryon-${t2}`), ['TryOnStarted', 'ClothingImageProvided']);
  t.same((await typesOf(h, `tryon-${t1}`)).at(-1), 'TryOnCompleted', 'T1 was finished once, by its own press');
});

t.test('repro 1: language, /start or a menu command mid-flow ends the flow; the next photo is free', async (t) => {
  const h = await botHarness(t);
  const user = h.user(1402);
  await ready(h, user);
  const leave = [
    user.press('lang:ru'),
    user.command('start'),
    user.command('help'),
    user.command('profile'),
    user.press('menu:buy'),
  ];
  h.fake.addFile('cloth', tinyJpeg(512, 512));
  for (const leaving of leave) {
    await h.send(user.press('menu:tryon'));
    const sessionId = (await chatOf(h, user)).session_id!;
    await h.send(user.photo('cloth'));
    await h.send(leaving);
    t.same(await chatOf(h, user), { flow: 'menu', session_id: null }, 'back in the menu');
    t.same((await typesOf(h, `tryon-${sessionId}`)).at(-1), 'SessionCancelled', 'the open session is cancelled');
    const sent = h.since();
    await h.send(user.photo('cloth'));
    const menu = sent().some((c) => c.method === 'sendMessage' && buttonsOf(c).includes('menu:tryon'));
    t.ok(menu, 'a photo now gets the menu');
  }
  t.equal(await reservations(h), 0, 'nothing was ever held');
});

t.test("repro 2: B's presses on A's session buttons are refused; A's steps record A as actor", async (t) => {
  const h = await botHarness(t, { ai: new ScriptedAi() });
  const anna = h.user(1403);
  const boris = h.user(1404);
  await ready(h, anna);
  await ready(h, boris);
  const session = await tryOnToResult(h, anna);

  const sent = h.since();
  await h.send(boris.press(`rate:${session}:1`));
  await h.send(boris.press(`tryon:menu:${session}`));
  await h.send(boris.press(`tryon:again:${session}`));
  onlyToasts(t, sent(), 3);
  t.same((await typesOf(h, `tryon-${session}`)).slice(-1), ['TryOnSucceeded'], "A's session is untouched");
  t.same(await chatOf(h, boris), { flow: 'menu', session_id: null });

  await h.send(anna.press(`rate:${session}:5`));
  await h.send(anna.press(`tryon:menu:${session}`));
  const { rows } = await h.pool.query('SELECT type, metadata FROM events WHERE stream = $1 ORDER BY position', [
    `tryon-${session}`,
  ]);
  const rated = rows.find((r) => r.type === 'TryOnRated');
  t.equal(rated?.metadata.actor, `user:${anna.id}`);
  const byUser = rows.filter((r) => r.metadata.actor === `user:${anna.id}`).map((r) => r.type);
  const steps = [
    'TryOnStarted',
    'ClothingImageProvided',
    'PersonImageProvided',
    'TryOnSubmitted',
    'TryOnRated',
    'TryOnCompleted',
  ];
  t.same(byUser, steps, 'every step of hers');
  t.ok(
    rows.every((r) => typeof r.metadata.actor === 'string'),
    'every event of the session names its actor',
  );
});

t.test('repro 3: stylist buttons of an old session, or of the old format, cannot drive a new one', async (t) => {
  const h = await botHarness(t);
  const user = h.user(1405);
  await ready(h, user);
  h.fake.addFile('me', tinyJpeg(400, 600));
  await h.send(user.press('menu:stylist'));
  const s1 = (await chatOf(h, user)).session_id!;
  const sent = h.since();
  await h.send(user.photo('me'));
  const styleButtons = buttonsOf(
    sent()
      .filter((c) => c.method === 'sendMessage')
      .at(-1)!,
  );
  t.ok(styleButtons.includes(`style:${s1}:minimalist`), 'a style button names its session');
  await h.send(user.press(`style:${s1}:minimalist`));
  const occasionButtons = buttonsOf(
    sent()
      .filter((c) => c.method === 'sendMessage')
      .at(-1)!,
  );
  t.ok(occasionButtons.includes(`occasion:${s1}:work`), 'an occasion button names its session');
  await h.send(user.press('flow:cancel'));

  await h.send(user.press('menu:stylist'));
  const s2 = (await chatOf(h, user)).session_id!;
  const stale = h.since();
  const presses = [
    `style:${s1}:minimalist`,
    `occasion:${s1}:work`,
    `budget:${s1}:low`,
    'style:casual',
    'occasion:party',
    'budget:mid',
    `style:${s2.slice(0, -1)}0:casual`,
  ];
  for (const data of presses) await h.send(user.press(data));
  onlyToasts(t, stale(), presses.length);
  t.same(await chatOf(h, user), { flow: 'stylist', session_id: s2 });
  t.same(await typesOf(h, `styling-${s2}`), ['StylingStarted'], 'the new session still waits for its photo');
  const draft = await h.pool.query('SELECT draft FROM bot_chats WHERE user_id = $1', [user.id]);
  t.same(draft.rows[0].draft, {}, 'no choice was taken from the old buttons');

  const next = h.since();
  await h.send(user.photo('me'));
  t.equal(textOf(next().at(-1)!), 'Which style do you like?', 'the new session goes on from its photo');
  await h.send(user.press(`occasion:${s2}:work`));
  t.equal(next().at(-1)?.payload.text, EXPIRED, "an occasion before a style is not this session's step");
});
