import t from 'tap';
import { botHarness, buttonsOf, textOf } from '../support/telegramBot.js';
import { waitFor } from '../support/waitFor.js';

t.test('a Stars purchase from the invoice to the balance, shown at once in the profile', async (t) => {
  const h = await botHarness(t);
  const user = h.user(301);
  await h.send(user.command('start'));
  await h.send(user.press('lang:en'));

  const sent = h.since();
  await h.send(user.press('menu:buy'));
  const menu = sent().find((c) => c.method === 'sendMessage')!;
  t.equal(
    textOf(menu),
    'Your balance: 3 available. Choose a package (paid in Telegram Stars), or pay by card on the web:',
  );
  t.same(buttonsOf(menu), ['buy:basic', 'buy:premium', 'https://modera.example/checkout', 'menu:home']);

  await h.send(user.press('buy:basic'));
  const invoice = sent().find((c) => c.method === 'sendInvoice')!;
  t.match(invoice.payload, {
    chat_id: user.id,
    title: '10 credits',
    currency: 'XTR',
    payload: `modera:v1:basic:${user.id}`,
    prices: [{ amount: 100 }],
  });
  t.notOk('provider_token' in invoice.payload && invoice.payload.provider_token, 'Stars take no provider token');

  const payload = String(invoice.payload.payload);
  await h.send(user.preCheckout(payload, 50));
  await h.send(user.preCheckout(payload, 100));
  const answers = sent().filter((c) => c.method === 'answerPreCheckoutQuery');
  t.match(
    answers,
    [
      { payload: { ok: false, error_message: 'This invoice is no longer valid. Please open Buy credits again.' } },
      { payload: { ok: true } },
    ],
    'a changed price is refused before any money moves',
  );

  // The read tables are behind: the profile must still show the purchase (bounded wait).
  await h.pauseProjection();
  await h.send(user.paid(payload, 100, 'stars-charge-1'));
  const reads = h.runtime.deps.reads;
  const readsAfter = reads.waitForPosition.bind(reads);
  let waiting = false;
  reads.waitForPosition = (position, timeoutMs) => ((waiting = true), readsAfter(position, timeoutMs));
  const profile = h.since();
  const pressed = h.send(user.press('menu:profile'));
  await waitFor('the profile to wait for the read tables', () => waiting);
  h.resumeProjection();
  await pressed;
  const lines = textOf(profile().find((c) => /^Balance/.test(textOf(c)))!).split('\n');
  t.equal(lines[0], 'Balance: 13 available, 0 on hold.');
  t.match(lines[2], / \+10 · purchase$/);

  const confirmation = await h.waitForCall((c) => /^Payment received/.test(textOf(c)));
  t.equal(textOf(confirmation), 'Payment received: +10 credits. Balance: 13.');
  t.equal(String(confirmation.payload.chat_id), String(user.id));
});

t.test('a redelivered successful_payment adds nothing; a redelivered update is not even handled', async (t) => {
  const h = await botHarness(t);
  const user = h.user(302);
  await h.send(user.command('start'));
  const paid = user.paid(`modera:v1:premium:${user.id}`, 400, 'stars-charge-2');
  t.equal(await h.send(paid), 'new');
  t.equal(await h.send(paid), 'duplicate', 'same update_id: recorded once');
  await h.send(user.paid(`modera:v1:premium:${user.id}`, 400, 'stars-charge-2'));
  const purchases = await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsPurchased'");
  t.equal(purchases.rows[0].n, 1, 'one purchase for one charge id');
  const inbox = await h.pool.query("SELECT delivery_id FROM payments_inbox WHERE provider = 'telegram_stars'");
  t.same(inbox.rows, [{ delivery_id: 'successful_payment:stars-charge-2' }], 'recorded in the payments inbox once');
  await h.waitForCall((c) => /^Payment received: \+50 credits/.test(textOf(c)));
  await h.notified(await h.store.headPosition());
  t.equal(h.calls.filter((c) => /^Payment received/.test(textOf(c))).length, 1, 'confirmed once');
});
