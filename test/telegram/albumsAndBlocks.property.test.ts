import type { Update } from 'grammy/types';
import t from 'tap';
import { NOTIFIED_EVENT_TYPES } from '../../adapters/telegram/notifications.js';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { TEST_BOT_INFO, type ApiCall } from '../fakes/telegramServer.js';
import { botHarness, eventually, ScriptedAi, type BotHarness, type TestUser } from '../support/telegramBot.js';

/**
 * Issue 14, the classes of reproductions 4 and 5 as a property: random sequences of albums
 * (of 2 in either arrival order, of 3), new try-ons, /start, blocks (with or without Telegram
 * telling the bot) and returns, for two users. Afterwards, once every user has come back:
 * - every try-on charged (hold captured) was delivered to its own user: a result is charged
 *   only if delivered or deliverable on return;
 * - every clothing image is the album's first (JPEG) and every person image its second (PNG):
 *   arrival order and album size never decide the roles;
 * - a blocked chat is tried at most once per block (the 403 that reveals it): no loop.
 * Seeds: MODERA_PROPERTY_SEED, else a few fixed ones; a failure prints its seed.
 */

const STEPS = 16;
// Two seeds in npm test (the two that failed before the fix; 45 s for four): MODERA_PROPERTY_SEED runs another.
const SEEDS = process.env.MODERA_PROPERTY_SEED ? [Number(process.env.MODERA_PROPERTY_SEED)] : [11, 23];

const mulberry32 = (seed: number) => () => {
  let x = (seed += 0x6d2b79f5);
  x = Math.imul(x ^ (x >>> 15), x | 1);
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
};

let nextId = 700_000;
const memberUpdate = (user: TestUser, status: 'kicked' | 'member'): Update => {
  const bot = { ...TEST_BOT_INFO };
  const kicked = { user: bot, status: 'kicked' as const, until_date: 0 };
  const member = { user: bot, status: 'member' as const };
  return {
    update_id: nextId++,
    my_chat_member: {
      chat: { id: user.id, type: 'private', first_name: 'U' },
      from: { id: user.id, is_bot: false, first_name: 'U' },
      date: 1,
      old_chat_member: status === 'kicked' ? member : kicked,
      new_chat_member: status === 'kicked' ? kicked : member,
    },
  } as Update;
};

const albumPart = (user: TestUser, fileId: string, group: string, messageId: number): Update => {
  const update = user.photo(fileId);
  return { ...update, message: { ...update.message!, message_id: messageId, media_group_id: group } } as Update;
};

type Action =
  | 'album2'
  | 'album2_reversed'
  | 'album3'
  | 'tryon'
  | 'start'
  | 'block_silent'
  | 'block_told'
  | 'return_unblock'
  | 'return_start';

/** Albums most often (each after a new try-on half the time), blocks often enough to hit a try-on in progress. */
const PRESENT_ACTIONS: readonly Action[] = [
  'album2',
  'album2',
  'album2_reversed',
  'album2_reversed',
  'album3',
  'tryon',
  'start',
  'block_silent',
  'block_told',
];

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const sendAlbum = async (h: BotHarness, user: TestUser, files: string[], reversed: boolean): Promise<void> => {
  const group = `g-${nextId++}`;
  const base = nextId;
  nextId += files.length;
  const parts = files.map((file, i) => albumPart(user, file, group, base + i));
  for (const part of reversed ? parts.reverse() : parts) {
    await h.runtime.processor.accept(part);
    await new Promise((resolve) => setTimeout(resolve, 14));
  }
  await h.runtime.processor.idle();
};

const callsTo = (calls: ApiCall[], user: TestUser) =>
  calls.filter((c) => String(c.payload.chat_id) === String(user.id));

for (const seed of SEEDS) {
  t.test(`seed ${seed}`, async (t) => {
    const random = mulberry32(seed);
    const ai = new ScriptedAi();
    const h = await botHarness(t, { ai });
    const users = [h.user(8_000 + seed * 10), h.user(8_001 + seed * 10)];
    const blocked = new Map(users.map((u) => [u.id, false]));
    let blocks = 0;
    for (const user of users) {
      await h.send(user.command('start'));
      await h.send(user.press('lang:en'));
      await h.ledger(`account-${user.id}`, {
        type: 'GrantCredits',
        grantId: `property-${seed}-${user.id}`,
        credits: 60,
        reason: 'promo',
        operator: 'test',
        occurredAt: new Date().toISOString(),
      });
      await h.send(user.press('menu:tryon'));
      await h.send(user.press('consent:yes:tryon'));
    }
    let file = 0;
    const jpeg = () => {
      const id = `j-${seed}-${file++}`;
      h.fake.addFile(id, tinyJpeg(512, 512));
      return id;
    };
    const png = () => {
      const id = `p-${seed}-${file++}`;
      h.fake.addFile(id, tinyPng(384, 512));
      return id;
    };
    const trail: string[] = [];
    // An album's AI work is held until the next step has happened: a block can then land mid try-on.
    let paused = false;
    const hold = () => {
      if (paused) ai.resume();
      ai.pause();
      paused = true;
    };
    const release = () => {
      if (paused) ai.resume();
      paused = false;
    };

    for (let step = 0; step < STEPS; step++) {
      const user = pick(random, users);
      const away = blocked.get(user.id)!;
      const action: Action = away
        ? pick(random, ['return_unblock', 'return_start'] as const)
        : pick(random, PRESENT_ACTIONS);
      trail.push(`${user.id}:${action}`);
      const carried = paused;
      if (action.startsWith('album') && random() < 0.5) await h.send(user.press('menu:tryon'));
      switch (action) {
        case 'album2':
          hold();
          await sendAlbum(h, user, [jpeg(), png()], false);
          break;
        case 'album2_reversed':
          hold();
          await sendAlbum(h, user, [jpeg(), png()], true);
          break;
        case 'album3':
          await sendAlbum(h, user, [jpeg(), jpeg(), jpeg()], random() < 0.5);
          break;
        case 'tryon':
          await h.send(user.press('menu:tryon'));
          break;
        case 'start':
          await h.send(user.command('start'));
          break;
        case 'block_silent':
        case 'block_told':
          blocks++;
          blocked.set(user.id, true);
          h.fake.blockedChats.add(String(user.id));
          if (action === 'block_told') await h.send(memberUpdate(user, 'kicked'));
          break;
        case 'return_unblock':
        case 'return_start':
          blocked.set(user.id, false);
          h.fake.blockedChats.delete(String(user.id));
          // Telegram reports the unblock; "Restart" also sends /start.
          await h.send(memberUpdate(user, 'member'));
          if (action === 'return_start') await h.send(user.command('start'));
          break;
        default: {
          const _exhaustive: never = action;
          throw new Error(String(_exhaustive));
        }
      }
      if (carried && !action.startsWith('album2')) release();
    }
    release();

    // Let every try-on in progress end and the notifier deal with it.
    const counts = async () =>
      (
        await h.pool.query<{ type: string; n: number }>(
          'SELECT type, count(*)::int AS n FROM events ' +
            "WHERE type IN ('TryOnSubmitted', 'TryOnSucceeded', 'TryOnFailed') GROUP BY type",
        )
      ).rows;
    await eventually(async () => {
      const byType = Object.fromEntries((await counts()).map((r) => [r.type, r.n]));
      return (byType.TryOnSubmitted ?? 0) === (byType.TryOnSucceeded ?? 0) + (byType.TryOnFailed ?? 0);
    }, 30_000);
    const head = (
      await h.pool.query<{ p: string }>('SELECT coalesce(max(position), 0) AS p FROM events WHERE type = ANY($1)', [
        [...NOTIFIED_EVENT_TYPES],
      ])
    ).rows[0]!.p;
    await eventually(async () => (await h.runtime.notifier.checkpoint()) >= Number(head), 30_000);
    const tryBeforeReturn = h.fake.received.filter((c) => c.status === 403).length;
    // Everyone comes back.
    for (const user of users) {
      if (!blocked.get(user.id)) continue;
      h.fake.blockedChats.delete(String(user.id));
      await h.send(memberUpdate(user, 'member'));
    }
    const context = `seed ${seed}: ${trail.join(' ')}`;

    for (const user of users) {
      const captured = await h.pool.query<{ reservation_id: string }>(
        "SELECT data->>'reservationId' AS reservation_id FROM events " +
          "WHERE stream = $1 AND type = 'ReservationCaptured'",
        [`account-${user.id}`],
      );
      for (const { reservation_id: sessionId } of captured.rows) {
        const delivered = callsTo(h.fake.received, user).some(
          (c) =>
            c.method === 'sendPhoto' && c.status === 200 && String(c.payload.reply_markup ?? '').includes(sessionId),
        );
        t.ok(delivered, `charged try-on ${sessionId} of ${user.id} was delivered to them (${context})`);
      }
    }
    const images = await h.pool.query<{ type: string; mime: string }>(
      "SELECT type, data->>'mimeType' AS mime FROM events " +
        "WHERE type IN ('ClothingImageProvided', 'PersonImageProvided')",
    );
    for (const row of images.rows) {
      t.equal(
        row.mime,
        row.type === 'ClothingImageProvided' ? 'image/jpeg' : 'image/png',
        `${row.type} by album order (${context})`,
      );
    }
    t.ok(
      tryBeforeReturn <= blocks,
      `at most one refused call per block: ${tryBeforeReturn} for ${blocks} (${context})`,
    );
  });
}
