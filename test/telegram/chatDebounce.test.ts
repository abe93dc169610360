import t from 'tap';
import { ChatDebounce, ACTION_REPEAT_WINDOW_MS } from '../../adapters/telegram/chatDebounce.js';
import { createPool } from '../../adapters/postgres/index.js';
import { testDatabase } from '../support/database.js';

/**
 * The memory behind "one answer per intent": kept in `bot_chats`, judged by when each update
 * reached the inbox, so it holds for any transport and across a restart (a second pool stands
 * in for a restarted process).
 */

const USER = '1490';

t.test('identical taps within the window are one intent; a retry of the acting update is not a repeat', async (t) => {
  const { pool, url } = await testDatabase(t);
  await pool.query('INSERT INTO bot_chats (user_id) VALUES ($1)', [USER]);
  const start = Date.parse('2026-12-02T12:00:00Z');
  const arrive = async (updateId: number, offsetMs: number) =>
    pool.query("INSERT INTO telegram_updates (update_id, chat_key, payload, received_at) VALUES ($1, $2, '{}', $3)", [
      updateId,
      USER,
      new Date(start + offsetMs),
    ]);
  const debounce = new ChatDebounce(pool);
  const rows: Array<[updateId: number, offsetMs: number, action: string, acts: boolean, why: string]> = [
    [1, 0, 'tap:menu:tryon', true, 'the first tap acts'],
    [2, 400, 'tap:menu:tryon', false, 'a quick second tap is the same intent'],
    [3, 400 + ACTION_REPEAT_WINDOW_MS - 100, 'tap:menu:tryon', false, 'the window runs from the last tap of the burst'],
    [4, 400 + 3 * ACTION_REPEAT_WINDOW_MS, 'tap:menu:tryon', true, 'the same tap after a pause acts'],
    [5, 400 + 3 * ACTION_REPEAT_WINDOW_MS + 10, 'tap:menu:buy', true, 'another button acts'],
    [6, 400 + 3 * ACTION_REPEAT_WINDOW_MS + 20, 'tap:menu:tryon', true, 'repeats only the tap just before'],
  ];
  for (const [updateId, offsetMs, action, acts, why] of rows) {
    await arrive(updateId, offsetMs);
    t.equal(await debounce.claimAction(USER, action, updateId), acts, why);
  }
  t.equal(await debounce.claimAction(USER, 'tap:menu:tryon', 6), true, 'the acting update, retried, acts again');

  const secondPool = createPool(url, { max: 2 });
  t.teardown(() => secondPool.end());
  const restarted = new ChatDebounce(secondPool);
  await arrive(7, 400 + 3 * ACTION_REPEAT_WINDOW_MS + 30);
  t.equal(await restarted.claimAction(USER, 'tap:menu:tryon', 7), false, 'a restart keeps the burst one');
  t.equal(await restarted.claimAction(USER, 'tap:menu:tryon', 7), false, 'a repeat, retried, stays a repeat');
});

t.test('a prompt is not sent twice in a row; any other message in between allows it again', async (t) => {
  const { pool } = await testDatabase(t);
  await pool.query('INSERT INTO bot_chats (user_id) VALUES ($1)', [USER]);
  const debounce = new ChatDebounce(pool);
  t.equal(await debounce.claimPrompt(USER, 'still-processing:s1', 10), true);
  t.equal(await debounce.claimPrompt(USER, 'still-processing:s1', 11), false, 'the same prompt right after');
  t.equal(await debounce.claimPrompt(USER, 'still-processing:s2', 12), true, 'the same words about another session');
  await debounce.clearPrompt(USER);
  t.equal(await debounce.claimPrompt(USER, 'still-processing:s2', 13), true, 'after another message');
  t.equal(await debounce.claimPrompt('1491', 'still-processing:s2', 14), true, 'a new chat repeats nothing');
});
