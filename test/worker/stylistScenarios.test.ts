import t from 'tap';
import type { Behaviour } from '../fakes/aiServer.js';
import { createHarness, holdHistory } from './harness.js';

/**
 * Scripted stylist sessions against the fake AI server (real OpenAI SDK, Responses API), each
 * from submission to its settled hold, then the read tables. Funded users have 3 welcome
 * credits + 10 granted = 13; the stylist costs 5.
 */

const START = 13;
const PRICE = 5;

t.test('stylist sessions end with the right credits and rows', async (t) => {
  const h = await createHarness(t);
  h.startWorker();

  await t.test('success, then shopping: captured once, analysis and products in the read tables', async (t) => {
    const userId = '2001';
    await h.fund(userId, 10);
    const sessionId = await h.submitStyling(userId);
    t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'captured' });
    const account = await h.account(userId);
    t.match(account, { balance: START - PRICE, held: 0 });
    t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationCaptured']);
    const request = h.ai.requestsTo('openai.responses').at(-1);
    t.match(JSON.stringify(request?.json), /5000-20000 RUB/, 'the budget reaches the prompt in major units');
    const products = [0, 1].map((i) => ({
      productId: `wb-${i}`,
      partnerName: 'wildberries',
      productUrl: `https://www.wildberries.ru/catalog/${i}/detail.aspx`,
      title: `Item ${i}`,
      priceMinor: 250_000,
      currency: 'RUB' as const,
      recommendationIndex: i,
      score: 0.9 - i / 10,
    }));
    const at = () => h.clock().toISOString();
    t.ok((await h.bot.styling(sessionId, { type: 'OpenShopping', products, occurredAt: at() })).ok);
    t.ok((await h.bot.styling(sessionId, { type: 'RecordProductClicked', productId: 'wb-1', occurredAt: at() })).ok);
    await h.project();
    t.match((await h.pool.query('SELECT credits, credits_reserved FROM users WHERE id = $1', [userId])).rows[0], {
      credits: START - PRICE,
      credits_reserved: 0,
    });
    t.match((await h.pool.query('SELECT * FROM fashion_sessions WHERE id = $1', [sessionId])).rows[0], {
      session_type: 'styling',
      status: 'completed',
      state: 'stylist_shopping',
      credits_used: PRICE,
    });
    const analysis = (await h.pool.query('SELECT * FROM style_analyses WHERE session_id = $1', [sessionId])).rows[0];
    t.match(analysis, {
      credits_used: PRICE,
      style_profile: { bodyType: 'rectangle' },
      input_image_url: new RegExp(`^user-uploads/persons/${sessionId}/`),
    });
    t.ok(analysis.recommendations.length >= 2);
    const rows = (
      await h.pool.query(
        `SELECT product_id, partner_name, recommendation_score, user_clicked, style_analysis_id
      FROM product_recommendations WHERE user_id = $1 ORDER BY product_id`,
        [userId],
      )
    ).rows;
    t.same(
      rows.map((r) => [
        r.product_id,
        Number(r.recommendation_score),
        r.user_clicked,
        r.style_analysis_id === analysis.id,
      ]),
      [
        ['wb-0', 0.9, false, true],
        ['wb-1', 0.8, true, true],
      ],
    );
  });

  const failures: Array<{ name: string; script: Behaviour[]; reason: string }> = [
    { name: '4xx: the provider rejects the request', script: ['invalid_request'], reason: 'invalid_request' },
    { name: 'the model refuses', script: ['refused'], reason: 'content_refused' },
    { name: 'malformed JSON', script: ['malformed_json'], reason: 'malformed_json' },
  ];
  for (const [i, failure] of failures.entries()) {
    await t.test(`${failure.name}: released as ai_failed, credits back`, async (t) => {
      const userId = String(2100 + i);
      await h.fund(userId, 10);
      h.ai.script('openai.responses', ...failure.script);
      const sessionId = await h.submitStyling(userId);
      t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'released' });
      const account = await h.account(userId);
      t.match(account, { balance: START, held: 0 });
      t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationReleased:ai_failed']);
      t.match((await h.bot.load('styling', sessionId)).state, {
        status: 'failed',
        failure: { reason: failure.reason },
      });
    });
  }

  await t.test('insufficient credits: nothing reserved, the session fails without a charge', async (t) => {
    const userId = '2201';
    await h.fund(userId, 0); // the 3 welcome credits only
    const before = h.ai.requests.length;
    const sessionId = await h.submitStyling(userId);
    t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'not_reserved' });
    const account = await h.account(userId);
    t.match(account, { balance: 3, held: 0 });
    t.same(holdHistory(account.events, sessionId), []);
    t.match((await h.bot.load('styling', sessionId)).state, {
      status: 'failed',
      failure: { reason: 'insufficient_credits', attempts: 0 },
      holdResolution: { action: 'none' },
    });
    t.equal(h.ai.requests.length, before, 'no AI call');
    await h.project();
    t.match(
      (await h.pool.query('SELECT status, credits_used FROM fashion_sessions WHERE id = $1', [sessionId])).rows[0],
      { status: 'failed', credits_used: 0 },
    );
  });

  await t.test('outcome unknown, then a result within the hold: captured once', async (t) => {
    const userId = '2301';
    await h.fund(userId, 10);
    h.ai.script('openai.responses', 'hang');
    const sessionId = await h.submitStyling(userId);
    await h.waitForJob(sessionId, (job) => job.status === 'pending' && job.claims === 1);
    t.match(await h.account(userId), { held: PRICE });
    h.clock.advance(30);
    t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'captured', claims: 2 });
    const account = await h.account(userId);
    t.match(account, { balance: START - PRICE, held: 0 });
    t.same(holdHistory(account.events, sessionId), ['CreditsReserved', 'ReservationCaptured']);
  });
});
