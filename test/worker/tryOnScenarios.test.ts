import t from 'tap';
import type { Behaviour } from '../fakes/aiServer.js';
import { createHarness, holdHistory } from './harness.js';

/**
 * Scripted try-on sessions against the fake AI server (real OpenAI SDK), each from submission to
 * its settled hold: the credits on the account stream, then the read tables.
 * Every user starts with 3 welcome credits + 10 granted = 13.
 */

const START = 13;
const PRICE = 3;

t.test('try-on sessions end with the right credits and rows', async (t) => {
  const h = await createHarness(t);
  h.startWorker();
  const expected: Array<{
    userId: string;
    sessionId: string;
    credits: number;
    status: string;
    reason?: string | null;
    seconds?: number | null;
  }> = [];

  await t.test('success: reserved, generated, scored, captured once', async (t) => {
    const userId = '1001';
    await h.fund(userId, 10);
    const sessionId = await h.submitTryOn(userId);
    const job = await h.waitForJob(sessionId);
    t.match(job, { status: 'done', outcome: 'captured', claims: 1 });
    const account = await h.account(userId);
    t.match(account, { balance: START - PRICE, available: START - PRICE, held: 0 });
    t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationCaptured']);
    const { state } = await h.bot.load('tryon', sessionId);
    t.equal(state.status, 'tryon_result');
    const result = state.status === 'tryon_result' && 'result' in state ? state.result : null;
    t.match(result, {
      qualityScore: 0.82,
      provider: 'openai',
      resultImageKey: new RegExp(`^generated-images/tryons/${sessionId}/`),
    });
    t.ok((await h.images.get(result!.resultImageKey)).bytes.length > 0, 'the generated image is stored');
    expected.push({ userId, sessionId, credits: START - PRICE, status: 'completed' });
  });

  const failures: Array<{ name: string; script: Behaviour[]; reason: string }> = [
    { name: '4xx: the provider rejects the request', script: ['invalid_request'], reason: 'invalid_request' },
    { name: '5xx on every retry', script: ['server_error', 'server_error', 'server_error'], reason: 'server_error' },
    { name: 'malformed JSON', script: ['malformed_json'], reason: 'malformed_json' },
    { name: 'refused image', script: ['refused'], reason: 'image_refused' },
  ];
  for (const [i, failure] of failures.entries()) {
    await t.test(`${failure.name}: released as ai_failed, credits back`, async (t) => {
      const userId = String(1100 + i);
      await h.fund(userId, 10);
      h.ai.script('openai.images', ...failure.script);
      const sessionId = await h.submitTryOn(userId);
      t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'released' });
      const account = await h.account(userId);
      t.match(account, { balance: START, available: START, held: 0 });
      t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationReleased:ai_failed']);
      const { state } = await h.bot.load('tryon', sessionId);
      t.match(state, { status: 'failed', failure: { reason: failure.reason, attempts: 1 } });
      expected.push({ userId, sessionId, credits: START, status: 'failed', reason: failure.reason });
    });
  }

  await t.test('outcome unknown, then a result within the hold: captured once', async (t) => {
    const userId = '1201';
    await h.fund(userId, 10);
    h.ai.script('openai.images', 'hang');
    const sessionId = await h.submitTryOn(userId);
    const waiting = await h.waitForJob(sessionId, (job) => job.status === 'pending' && job.claims === 1);
    t.match(waiting.last_error, /timeout/);
    t.match(await h.account(userId), { balance: START, held: PRICE }, 'the hold is kept while the outcome is unknown');
    h.clock.advance(30);
    t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'captured', claims: 2 });
    const account = await h.account(userId);
    t.match(account, { balance: START - PRICE, held: 0 });
    t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationCaptured']);
    t.match((await h.bot.load('tryon', sessionId)).state, { status: 'tryon_result', attempt: 2 });
    expected.push({ userId, sessionId, credits: START - PRICE, status: 'completed', seconds: 30 });
  });

  // With hour-long holds the session's 30-minute idle timeout comes first: it expires, and its
  // hold is released as expired, exactly once.
  await t.test('outcome unknown, no result before the session expires: hold released as expired', async (t) => {
    const userId = '1202';
    await h.fund(userId, 10);
    h.ai.script('openai.images', 'hang');
    const sessionId = await h.submitTryOn(userId);
    await h.waitForJob(sessionId, (job) => job.status === 'pending' && job.claims === 1);
    await h.fed();
    h.clock.advance(60 * 60 + 1); // the default hold lifetime is an hour
    const sweep = await h.startSweeper().sweep();
    t.ok(
      (sweep.holds.released ?? 0) + (sweep.holds.release_lost ?? 0) <= 1,
      'the sweeper released it, unless the worker did first',
    );
    t.match(await h.waitForJob(sessionId), { status: 'done' });
    const account = await h.account(userId);
    t.match(account, { balance: START, held: 0 });
    t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationReleased:expired']);
    t.match((await h.bot.load('tryon', sessionId)).state, { status: 'expired' });
    t.equal(
      h.ai.requestsTo('openai.images').filter((r) => r.behaviour === 'hang').length,
      2,
      'no AI call after the hold expired',
    );
    expected.push({ userId, sessionId, credits: START, status: 'expired', reason: null, seconds: null });
  });

  await t.test('read tables: users, fashion_sessions and virtual_tryons agree', async (t) => {
    await h.project();
    for (const e of expected) {
      const user = (await h.pool.query('SELECT credits, credits_reserved FROM users WHERE id = $1', [e.userId]))
        .rows[0];
      t.same(user, { credits: e.credits, credits_reserved: 0 }, `user ${e.userId}`);
      const row = (
        await h.pool.query(
          `SELECT s.status, s.credits_used, s.processing_time, s.result_data->'failure'->>'reason' AS reason,
        v.credits_used AS tryon_credits, v.quality_score, v.result_image_url
        FROM fashion_sessions s JOIN virtual_tryons v ON v.session_id = s.id WHERE s.id = $1`,
          [e.sessionId],
        )
      ).rows[0];
      const charged = e.status === 'completed' ? PRICE : 0;
      t.match(
        row,
        { status: e.status, credits_used: charged, tryon_credits: charged, reason: e.reason ?? null },
        `session of ${e.userId}`,
      );
      if (e.seconds === undefined) t.ok(row.processing_time >= 0, 'processing time recorded');
      else t.equal(row.processing_time, e.seconds, 'processing time: submission to outcome, in seconds');
      if (e.status === 'completed') t.equal(Number(row.quality_score), 0.82);
      else t.equal(row.result_image_url, null);
    }
  });
});
