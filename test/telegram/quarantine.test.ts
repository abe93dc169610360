import t from 'tap';
import { accountStream } from '../../core/ledger/index.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import { readQuarantine, repairStream } from '../../projections/quarantine.js';
import { botHarness, textOf } from '../support/telegramBot.js';
import { waitFor } from '../support/waitFor.js';

/**
 * Issue 13, "reads for the quarantined user say so": the bot's profile does not show the number
 * the read table stopped at when the user's account stream is quarantined, and shows it again
 * once a repair has applied the held events.
 */

t.test(
  'a quarantined account: the profile says it is under review, not a stale balance; after repair, the balance',
  async (t) => {
    const h = await botHarness(t);
    const user = h.user(4101);
    await h.send(user.command('start'));
    await h.send(user.press('lang:en'));
    await waitFor(
      'the account to be projected',
      async () => (await h.pool.query('SELECT 1 FROM users WHERE id = $1', [user.id])).rowCount === 1,
    );

    // A stand-in for a projection bug that a deploy fixes: the read table refuses more than 100 credits.
    await h.pool.query('ALTER TABLE users ADD CONSTRAINT test_cap CHECK (credits <= 100)');
    const grant = await h.ledger(accountStream(String(user.id)), {
      type: 'GrantCredits',
      grantId: 'big-goodwill',
      credits: 500,
      reason: 'goodwill',
      operator: 'ann',
      occurredAt: new Date().toISOString(),
    });
    t.ok(grant.ok, 'the ledger takes the grant');
    await waitFor('the stream to be quarantined', async () =>
      (await readQuarantine(h.pool, 'ledger')).some((q) => q.stream === accountStream(String(user.id))),
    );

    const quarantined = h.since();
    await h.send(user.press('menu:profile'));
    const shown = quarantined()
      .filter((c) => c.method === 'sendMessage')
      .map(textOf);
    t.match(shown, [/^Your balance is being checked by our team/], 'no figure is shown');
    t.notOk(
      shown.some((text) => /Balance: \d+ available/.test(text)),
      'not the stale 3 credits',
    );

    await h.pool.query('ALTER TABLE users DROP CONSTRAINT test_cap');
    t.match(await repairStream(h.store, h.pool, ledgerProjection, accountStream(String(user.id))), { ok: true });
    await h.send(user.command('menu')); // another intent first: two identical taps in a row are one answer
    const repaired = h.since();
    await h.send(user.press('menu:profile'));
    t.match(textOf(repaired().find((c) => c.method === 'sendMessage')!), /^Balance: 503 available, 0 on hold\./);
  },
);

t.test(
  "an update from a sender id outside Telegram's 52 bits is dropped: no account, no event, no answer",
  async (t) => {
    const h = await botHarness(t);
    const before = await h.store.headPosition();
    const sent = h.since();
    const outsider = h.user(2 ** 53 + 2);
    t.equal(await h.send(outsider.command('start')), 'new', 'recorded in the inbox like any update');
    await h.send(outsider.press('menu:tryon'));
    t.equal(await h.store.headPosition(), before, 'no event appended for it');
    t.same(sent(), [], 'nothing sent to it');
    const { rowCount } = await h.pool.query('SELECT 1 FROM bot_chats');
    t.equal(rowCount, 0, 'no chat state kept');
    const valid = h.user(4102);
    await h.send(valid.command('start'));
    t.ok((await h.store.headPosition()) > before, 'a valid user after it is served');
  },
);
