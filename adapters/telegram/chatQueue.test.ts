import t from 'tap';
import { ChatQueue } from './chatQueue.js';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('one chat runs in push order, one task at a time', async (t) => {
  const queue = new ChatQueue(4);
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const task = (name: string, ms: number) => async () => {
    running++;
    most = Math.max(most, running);
    await tick(ms);
    log.push(name);
    running--;
  };
  await Promise.all([queue.push('a', task('a1', 20)), queue.push('a', task('a2', 1)), queue.push('a', task('a3', 5))]);
  t.same(log, ['a1', 'a2', 'a3']);
  t.equal(most, 1);
});

t.test('chats run side by side, within the concurrency cap', async (t) => {
  const queue = new ChatQueue(2);
  let running = 0;
  let most = 0;
  const task = async () => {
    running++;
    most = Math.max(most, running);
    await tick(10);
    running--;
  };
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => queue.push(key, task)));
  t.equal(most, 2);
  t.equal(queue.activeChats, 0, 'finished chats are forgotten');
});

t.test('a failing task rejects alone; the chat goes on', async (t) => {
  const queue = new ChatQueue();
  const failed = queue.push('a', async () => {
    throw new Error('boom');
  });
  const next = queue.push('a', async () => 'next');
  await t.rejects(failed, /boom/);
  t.equal(await next, 'next');
  await queue.idle();
});

t.test('the concurrency must be a positive integer', async (t) => {
  t.throws(() => new ChatQueue(0), RangeError);
});
