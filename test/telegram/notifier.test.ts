import t from 'tap';
import { accountStream } from '../../core/ledger/index.js';
import { botHarness, eventually, textOf, type BotHarness } from '../support/telegramBot.js';

const purchase = (h: BotHarness, userId: number, paymentId: string) =>
  h.ledger(accountStream(String(userId)), {
    type: 'PurchaseCredits',
    userId: String(userId),
    paymentId,
    provider: 'stripe',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
    occurredAt: new Date().toISOString(),
  });

const confirmations = (h: BotHarness) => h.calls.filter((c) => /^Payment received/.test(textOf(c)));

t.test(
  'events written while the notifier is down are all told after it starts, each once, also across restarts',
  async (t) => {
    const h = await botHarness(t);
    await h.runtime.notifier.stop();
    for (const userId of [701, 702, 703]) await purchase(h, userId, `pi_${userId}`);
    await h.runtime.notifier.start();
    await h.waitForCall(() => confirmations(h).length === 3);
    t.same(
      confirmations(h)
        .map((c) => c.payload.chat_id)
        .sort(),
      ['701', '702', '703'],
      'web purchases are confirmed in the chat too',
    );

    await h.runtime.notifier.stop();
    await h.pool.query("UPDATE bot_notifier_checkpoints SET position = 0 WHERE name = 'telegram'");
    await h.runtime.notifier.start();
    await purchase(h, 704, 'pi_704');
    await h.waitForCall((c) => c.payload.chat_id === '704');
    t.equal(confirmations(h).length, 4, 'reading the log again from the start sends nothing twice');
  },
);

t.test(
  'a crash between claiming and sending: the message is not sent again (at most once), and the rest goes on',
  async (t) => {
    const h = await botHarness(t);
    await h.runtime.notifier.stop();
    const written = await purchase(h, 711, 'pi_711');
    const { rows } = await h.pool.query("SELECT id, position FROM events WHERE type = 'CreditsPurchased'");
    // What a process that died right after its claim leaves behind.
    await h.pool.query(
      'INSERT INTO bot_notifications (event_id, position, chat_id, kind, status) ' +
        "VALUES ($1, $2, 711, 'payment_received', 'sending')",
      [rows[0].id, rows[0].position],
    );
    await purchase(h, 712, 'pi_712');
    await h.runtime.notifier.start();
    await h.waitForCall((c) => c.payload.chat_id === '712');
    await eventually(
      async () => (await h.pool.query("SELECT 1 FROM bot_notifications WHERE status = 'sending'")).rowCount === 0,
    );
    t.same(
      confirmations(h).map((c) => c.payload.chat_id),
      ['712'],
    );
    const claims = await h.pool.query('SELECT chat_id, status FROM bot_notifications ORDER BY position');
    t.same(claims.rows, [
      { chat_id: 711, status: 'unknown' },
      { chat_id: 712, status: 'sent' },
    ]);
    t.ok((await h.runtime.notifier.checkpoint()) > written.position, 'the checkpoint moved past both');
  },
);

t.test('a user who blocked the bot: recorded as failed, not retried, the next event still goes', async (t) => {
  const h = await botHarness(t);
  h.fake.failNext('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user' });
  await purchase(h, 721, 'pi_721');
  await purchase(h, 722, 'pi_722');
  const settled = async () =>
    (await h.pool.query("SELECT 1 FROM bot_notifications WHERE status = 'sending'")).rowCount === 0;
  await h.waitForCall((c) => c.payload.chat_id === '722');
  await eventually(settled);
  const claims = await h.pool.query('SELECT chat_id, status, error FROM bot_notifications ORDER BY position');
  t.match(claims.rows, [
    { chat_id: 721, status: 'failed', error: /blocked/ },
    { chat_id: 722, status: 'sent' },
  ]);
  t.equal(h.fake.received.filter((c) => c.method === 'sendMessage' && String(c.payload.chat_id) === '721').length, 1);
});
