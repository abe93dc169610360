import { GrammyError } from 'grammy';
import type { Update } from 'grammy/types';
import pino from 'pino';
import t from 'tap';
import { testDatabase } from '../../test/support/database.js';
import { UpdateInbox } from './updateInbox.js';
import { UpdateProcessor, type UpdateHandler } from './updateProcessor.js';

const logger = pino({ level: 'silent' });

const message = (updateId: number, chatId: number, text = `m${updateId}`): Update =>
  ({
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 0,
      chat: { id: chatId, type: 'private', first_name: 'U' },
      from: { id: chatId, is_bot: false, first_name: 'U' },
      text,
    },
  }) as Update;

const recorder = (
  options: { delayMs?: (u: Update) => number; fail?: (u: Update, attempt: number) => unknown } = {},
) => {
  const handled: Array<{ updateId: number; chat: number }> = [];
  const attempts = new Map<number, number>();
  const bot: UpdateHandler = {
    handleUpdate: async (update) => {
      const attempt = (attempts.get(update.update_id) ?? 0) + 1;
      attempts.set(update.update_id, attempt);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs?.(update) ?? 0));
      const failure = options.fail?.(update, attempt);
      if (failure) throw failure;
      handled.push({ updateId: update.update_id, chat: update.message!.chat.id });
    },
  };
  return { bot, handled, attempts };
};

t.test('an update is recorded once: a redelivery is ignored', async (t) => {
  const { pool } = await testDatabase(t);
  const { bot, handled } = recorder();
  const processor = new UpdateProcessor({ inbox: new UpdateInbox(pool), bot, logger });
  t.equal(await processor.accept(message(1, 10)), 'new');
  t.equal(await processor.accept(message(1, 10)), 'duplicate');
  await processor.idle();
  t.same(handled, [{ updateId: 1, chat: 10 }]);
  const { rows } = await pool.query('SELECT handled_at IS NOT NULL AS handled, attempts FROM telegram_updates');
  t.same(rows, [{ handled: true, attempts: 1 }]);
});

t.test("one chat's updates are handled in order, even when earlier ones are slower", async (t) => {
  const { pool } = await testDatabase(t);
  const { bot, handled } = recorder({ delayMs: (u) => (u.update_id % 2 === 0 ? 30 : 1) });
  const processor = new UpdateProcessor({ inbox: new UpdateInbox(pool), bot, logger });
  for (let id = 1; id <= 8; id++) await processor.accept(message(id, id <= 4 ? 1 : 2));
  await processor.idle();
  t.same(
    handled.filter((h) => h.chat === 1).map((h) => h.updateId),
    [1, 2, 3, 4],
  );
  t.same(
    handled.filter((h) => h.chat === 2).map((h) => h.updateId),
    [5, 6, 7, 8],
  );
});

t.test('a failing handler is retried in place; Telegram refusing is given up at once', async (t) => {
  const { pool } = await testDatabase(t);
  const forbidden = new GrammyError(
    'Call to sendMessage failed',
    { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    'sendMessage',
    {},
  );
  const { bot, handled, attempts } = recorder({
    fail: (u, attempt) =>
      u.update_id === 1 && attempt === 1 ? new Error('database blip') : u.update_id === 2 ? forbidden : undefined,
  });
  const processor = new UpdateProcessor({ inbox: new UpdateInbox(pool), bot, logger, retryDelaysMs: [1] });
  await processor.accept(message(1, 5));
  await processor.accept(message(2, 5));
  await processor.accept(message(3, 5));
  await processor.idle();
  t.same(
    handled.map((h) => h.updateId),
    [1, 3],
    'the retried update went first, the blocked one was dropped',
  );
  t.equal(attempts.get(2), 1, 'no second attempt after Telegram said no');
  const { rows } = await pool.query(
    'SELECT update_id, attempts, last_error FROM telegram_updates WHERE handled_at IS NOT NULL ORDER BY update_id',
  );
  t.match(rows, [
    { update_id: 1, attempts: 2, last_error: /database blip/ },
    { update_id: 2, attempts: 1, last_error: /blocked/ },
    { update_id: 3 },
  ]);
});

t.test('an update that keeps failing is given up after the attempt limit', async (t) => {
  const { pool } = await testDatabase(t);
  const { bot, attempts } = recorder({ fail: () => new Error('always') });
  const processor = new UpdateProcessor({ inbox: new UpdateInbox(pool), bot, logger, retryDelaysMs: [1] });
  await processor.accept(message(1, 5));
  await processor.idle();
  t.equal(attempts.get(1), 3);
  t.equal((await new UpdateInbox(pool).pending()).length, 0, 'not pending any more');
});

t.test('updates acknowledged but not handled before a crash are handled at the next start, in order', async (t) => {
  const { pool } = await testDatabase(t);
  const inbox = new UpdateInbox(pool);
  // The previous process recorded these (and answered Telegram), then died.
  for (const id of [3, 1, 2]) await inbox.record(message(id, 9));
  const { bot, handled } = recorder();
  const processor = new UpdateProcessor({ inbox, bot, logger, recoveryIntervalMs: 60_000 });
  await processor.start();
  await processor.stop();
  t.same(
    handled.map((h) => h.updateId),
    [1, 2, 3],
  );
  t.same(await inbox.pending(), []);
});

t.test('handled updates are pruned after the retention', async (t) => {
  const { pool } = await testDatabase(t);
  const inbox = new UpdateInbox(pool);
  await inbox.record(message(1, 9));
  await inbox.record(message(2, 9));
  await inbox.markHandled(1);
  await pool.query("UPDATE telegram_updates SET handled_at = now() - interval '8 days' WHERE update_id = 1");
  t.equal(await inbox.prune(), 1);
  t.equal((await inbox.pending()).length, 1, 'the pending one stays');
});
