import { randomUUID } from 'node:crypto';
import t from 'tap';
import { DEFAULT_LEDGER_CONFIG_INPUT, parseLedgerConfig } from '../../core/ledger/index.js';
import { PROCESSING_HOLD_TTL_SECONDS, SESSION_IDLE_TIMEOUT_SECONDS } from '../../core/sessions/index.js';
import { createHarness, holdHistory } from './harness.js';

/**
 * 30 minutes without input expire a session; an expired session gives its hold back. The ledger
 * here allows the hold lifetime the sessions ask for (an hour), so the hold is still open when
 * the session idles out (with the default 15-minute ceiling the hold sweeper gets there first).
 */

t.test('idle sessions expire and release their holds', async (t) => {
  const h = await createHarness(t);
  const ledgerConfig = parseLedgerConfig({
    ...DEFAULT_LEDGER_CONFIG_INPUT,
    maxHoldTtlSeconds: PROCESSING_HOLD_TTL_SECONDS,
  });
  const at = () => h.clock().toISOString();

  const waitingId = randomUUID();
  t.ok(
    (await h.bot.tryOn(waitingId, { type: 'StartTryOn', sessionId: waitingId, userId: '5001', occurredAt: at() })).ok,
  );
  await h.fund('5002', 10);
  h.ai.script('openai.responses', 'hang');
  const worker = h.startWorker({ ledgerConfig });
  const processingId = await h.submitStyling('5002');
  await h.waitForJob(processingId, (job) => job.status === 'pending' && job.claims === 1);
  await worker.stop(); // no worker comes back for 30 minutes
  t.match(await h.account('5002'), { balance: 13, held: 5 });

  h.clock.advance(SESSION_IDLE_TIMEOUT_SECONDS - 60);
  const lively = await h.submitTryOn('5003'); // not funded: its job is never run, it just ages
  h.clock.advance(60);
  await h.fed();
  const sweep = await h.startSweeper().sweep();
  t.same(sweep.sessions, { expired: 2, holds: { released: 1 } }, 'the waiting and the processing session; one hold');
  t.same(sweep.holds, {}, 'the hold was not due yet: the expiry released it');

  t.match((await h.bot.load('tryon', waitingId)).state, { status: 'expired', hold: null });
  t.match((await h.bot.load('styling', processingId)).state, {
    status: 'expired',
    holdResolution: { action: 'release', reason: 'expired' },
  });
  t.match((await h.bot.load('tryon', lively)).state, { status: 'tryon_processing' }, 'idle 60 s only: untouched');
  const account = await h.account('5002');
  t.match(account, { balance: 13, held: 0 });
  t.same(holdHistory(account.events, processingId), ['CreditsReserved', 'ReservationReleased:expired']);

  h.startWorker({ ledgerConfig });
  t.match(
    await h.waitForJob(processingId),
    { status: 'done', outcome: 'released', claims: 2 },
    'the woken job finds it settled',
  );
  t.same(holdHistory((await h.account('5002')).events, processingId), [
    'CreditsReserved',
    'ReservationReleased:expired',
  ]);
  await h.project();
  t.match(
    (await h.pool.query('SELECT status, state, credits_used FROM fashion_sessions WHERE id = $1', [processingId]))
      .rows[0],
    { status: 'expired', state: 'expired', credits_used: 0 },
  );
  t.match((await h.pool.query('SELECT credits, credits_reserved FROM users WHERE id = 5002')).rows[0], {
    credits: 13,
    credits_reserved: 0,
  });
});
