import t from 'tap';
import { createPaymentsProcessor, createInterpreter } from '../../app/payments/index.js';
import { paymentInboxReaders } from '../../adapters/payments/index.js';
import { postgresPaymentInbox, postgresPurchaseIndex } from '../../adapters/postgres/index.js';
import { buildTimeline } from '../../app/reports/index.js';
import { defaultLedgerConfig } from '../../core/ledger/index.js';
import { botHarness, textOf } from '../support/telegramBot.js';

/**
 * Issue 14, reproduction 7: a Stars payment whose amount, currency or payload is not what we
 * invoiced is not credited; it is held for support as a case on the user's timeline (with the
 * payment id), and the user is told what really happens.
 */

const purchases = async (h: Awaited<ReturnType<typeof botHarness>>) =>
  (await h.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'CreditsPurchased'")).rows[0].n as number;

t.test('a successful_payment of 1 Star for the 50-credit package is held for support, not credited', async (t) => {
  const h = await botHarness(t);
  const user = h.user(311);
  await h.send(user.command('start'));
  const sent = h.since();
  await h.send(user.paid(`modera:v1:premium:${user.id}`, 1, 'stars-underpaid-1'));

  t.equal(await purchases(h), 0, 'no credits for 1 Star');
  const stored = await h.pool.query('SELECT count(*)::int AS n FROM payments_purchases');
  t.equal(stored.rows[0].n, 0, 'payments_purchases does not record a 1-Star purchase of 50 credits');
  const reply = textOf(sent().find((c) => c.method === 'sendMessage')!);
  t.match(reply, /stars-underpaid-1/, 'the user gets the payment id to quote');
  t.match(reply, /no credits were added/i);
  t.notMatch(reply, /Support has been notified/, 'no claim that someone was notified');

  const timeline = await buildTimeline(h.store, String(user.id));
  const held = timeline.events.filter((e) => e.type === 'StarsPaymentHeld');
  t.equal(held.length, 1, 'a visible case on the support timeline');
  t.match(held[0]?.data, {
    paymentId: 'stars-underpaid-1',
    userId: String(user.id),
    reason: 'amount_mismatch',
    paidAmount: 1,
    currency: 'XTR',
    expectedAmount: 400,
    packageId: 'premium',
  });

  // The payments processor reads the same inbox row later: it must not credit it either.
  const processor = createPaymentsProcessor({
    inbox: postgresPaymentInbox(h.pool),
    purchases: postgresPurchaseIndex(h.pool),
    ledger: h.ledger,
    ledgerConfig: defaultLedgerConfig,
    interpret: createInterpreter(paymentInboxReaders({})),
    backoffMs: () => 0,
  });
  await processor.drain();
  t.equal(await purchases(h), 0, 'the inbox processor does not credit it either');
  const row = await h.pool.query(
    "SELECT status, payment_id FROM payments_inbox WHERE delivery_id = 'successful_payment:stars-underpaid-1'",
  );
  t.match(
    row.rows[0],
    { status: 'rejected', payment_id: 'stars-underpaid-1' },
    'kept in the inbox under its payment id',
  );

  // A redelivery of the same payment (another update) does not open a second case.
  await h.send(user.paid(`modera:v1:premium:${user.id}`, 1, 'stars-underpaid-1'));
  const again = await buildTimeline(h.store, String(user.id));
  t.equal(again.events.filter((e) => e.type === 'StarsPaymentHeld').length, 1, 'one case per payment');
});

t.test('a successful_payment with a payload we never issued is held, and the answer is true', async (t) => {
  const h = await botHarness(t);
  const user = h.user(312);
  await h.send(user.command('start'));
  const sent = h.since();
  await h.send(user.paid('something-else:v9', 100, 'stars-forged-1'));
  await h.send(user.paid('modera:v1:basic:999999', 100, 'stars-foreign-1'));

  t.equal(await purchases(h), 0);
  const replies = sent()
    .filter((c) => c.method === 'sendMessage')
    .map(textOf);
  t.equal(replies.length, 2);
  for (const reply of replies) t.notMatch(reply, /Support has been notified/);
  t.match(replies[0], /stars-forged-1/);
  const timeline = await buildTimeline(h.store, String(user.id));
  t.match(
    timeline.events.filter((e) => e.type === 'StarsPaymentHeld').map((e) => e.data),
    [
      { paymentId: 'stars-forged-1', reason: 'unknown_payload' },
      { paymentId: 'stars-foreign-1', reason: 'wrong_user' },
    ],
  );
});

t.test('pre_checkout_query refuses a wrong amount or currency before any money moves', async (t) => {
  const h = await botHarness(t);
  const user = h.user(313);
  await h.send(user.command('start'));
  const sent = h.since();
  const payload = `modera:v1:premium:${user.id}`;
  await h.send(user.preCheckout(payload, 1));
  await h.send(user.preCheckout(payload, 400, 'USD'));
  await h.send(user.preCheckout('forged', 400));
  await h.send(user.preCheckout(payload, 400));
  t.match(
    sent()
      .filter((c) => c.method === 'answerPreCheckoutQuery')
      .map((c) => c.payload.ok),
    [false, false, false, true],
  );
});

t.test('a correct payment is still credited once', async (t) => {
  const h = await botHarness(t);
  const user = h.user(314);
  await h.send(user.command('start'));
  await h.send(user.paid(`modera:v1:premium:${user.id}`, 400, 'stars-right-1'));
  t.equal(await purchases(h), 1);
  await h.waitForCall((c) => /^Payment received: \+50 credits/.test(textOf(c)));
});
