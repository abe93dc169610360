import t, { type Test } from 'tap';
import { accountStream, foldAccount, summaryOf, type AccountEvent } from '../../../core/ledger/index.js';
import { bearer, httpApi, SERVICE_TOKEN } from '../../../test/support/httpApi.js';
import { testDatabase } from '../../../test/support/database.js';
import { claimKey, requestHash, runOncePerKey } from './idempotency.js';
import type { PurchaseRequest } from './purchases.js';
import { UseBodySchema } from './schemas.js';
import { reservationIdOf } from './useRoute.js';

/**
 * Issue 13, reproduction 2: one Idempotency-Key, different bodies, sent at once. The key is
 * claimed before the command runs, so exactly the credits of the 2xx answers move, and every
 * other answer is a replay of that 2xx or a 422.
 */

type Api = Awaited<ReturnType<typeof httpApi>>;
const CONCURRENT = 20;

const balanceOf = async (api: Api, userId: string): Promise<{ balance: number; held: number }> => {
  const recorded = await api.store.readStream(accountStream(userId));
  const events = recorded.map((e) => ({ type: e.type, data: e.data }) as AccountEvent);
  const summary = summaryOf(foldAccount(events).core);
  return { balance: summary.balance, held: summary.held };
};

const buy = (api: Api, userId: string, paymentId: string) =>
  api.executeAccount(userId, {
    type: 'PurchaseCredits',
    userId,
    paymentId,
    provider: 'stripe',
    packageId: 'premium',
    credits: 50,
    amountMinor: 799,
    currency: 'USD',
    occurredAt: new Date().toISOString(),
  });

const use = (api: Api, body: object, key: string) =>
  api.app.inject({
    method: 'POST',
    url: '/api/v1/credits/use',
    payload: JSON.stringify(body),
    headers: { ...bearer(SERVICE_TOKEN), 'content-type': 'application/json', 'idempotency-key': key },
  });

/** Sends the bodies at once, interleaved, and sorts the answers by body. */
const race = async (api: Api, bodies: object[], key: string) => {
  const answers = await Promise.all(bodies.map(async (body) => ({ body, response: await use(api, body, key) })));
  return answers.map(({ body, response }) => ({
    body,
    status: response.statusCode,
    json: response.json() as Record<string, unknown>,
  }));
};

const interleave = <A, B>(a: A, b: B, n: number): Array<A | B> =>
  Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));

/** Every answer is the one 2xx (replayed) or a 422; returns the body that won. */
const checkAnswers = (t: Test, answers: Awaited<ReturnType<typeof race>>): object => {
  const ok = answers.filter((a) => a.status === 200);
  t.ok(ok.length > 0, 'some request got its 2xx');
  t.same(
    answers.filter((a) => a.status !== 200 && a.status !== 422),
    [],
    'every answer is 200 or 422',
  );
  for (const a of answers.filter((x) => x.status === 422)) {
    t.match(a.json, { error: { code: 'idempotency_key_reused' } });
  }
  const winner = ok[0]!.body;
  t.ok(
    ok.every((a) => a.body === winner),
    'every 2xx is for the same body',
  );
  t.ok(
    ok.every((a) => JSON.stringify(a.json) === JSON.stringify(ok[0]!.json)),
    'every 2xx is the same answer',
  );
  t.ok(
    answers.filter((a) => a.body !== winner).every((a) => a.status === 422),
    'the other body is refused every time',
  );
  return winner;
};

t.test('one key, 10 requests for user A and 10 for user B at once: only the 2xx user pays', async (t) => {
  const api = await httpApi(t, { api: { rateLimitPerMinute: 1_000 } });
  await buy(api, '5101', 'pi_a');
  await buy(api, '5102', 'pi_b');
  const before = { a: await balanceOf(api, '5101'), b: await balanceOf(api, '5102') };
  const forA = { user_id: 5101, credits_amount: 3, feature_used: 'tryon', session_id: 's-a' };
  const forB = { user_id: 5102, credits_amount: 3, feature_used: 'tryon', session_id: 's-b' };
  const answers = await race(api, interleave(forA, forB, CONCURRENT), 'shared-key');
  const winner = checkAnswers(t, answers);
  const [paid, untouched] = winner === forA ? (['5101', '5102'] as const) : (['5102', '5101'] as const);
  const key = paid === '5101' ? 'a' : 'b';
  t.same(await balanceOf(api, paid), { balance: before[key].balance - 3, held: 0 }, 'the winner paid 3, once');
  t.same(
    await balanceOf(api, untouched),
    before[key === 'a' ? 'b' : 'a'],
    'the user whose every request got 422 paid nothing',
  );

  const again = await use(api, winner, 'shared-key');
  t.equal(again.statusCode, 200, 'retrying the winning body replays its answer');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(again.json(), answers.find((a) => a.status === 200)!.json);
});

/** Rounds of the one-user race: its bad interleaving (the 5 captured, the 3's refusal kept) is a matter of timing. */
const ONE_USER_ROUNDS = 4;

t.test('one key, one user, 10 charges of 3 and 10 of 5 at once: the credits of the 2xx move, once', async (t) => {
  const api = await httpApi(t, { api: { rateLimitPerMinute: 1_000 } });
  await buy(api, '5103', 'pi_c');
  for (let round = 0; round < ONE_USER_ROUNDS; round++) {
    const before = await balanceOf(api, '5103');
    const three = { user_id: 5103, credits_amount: 3, feature_used: 'tryon', session_id: `s-3-${round}` };
    const five = { user_id: 5103, credits_amount: 5, feature_used: 'styling', session_id: `s-5-${round}` };
    const answers = await race(api, interleave(three, five, CONCURRENT), `one-key-${round}`);
    const winner = checkAnswers(t, answers) as typeof three;
    t.same(
      await balanceOf(api, '5103'),
      { balance: before.balance - winner.credits_amount, held: 0 },
      'exactly the 2xx body was charged',
    );
    const again = await use(api, winner, `one-key-${round}`);
    t.equal(again.statusCode, 200, 'the winning body replays its 200 (it was 422 forever before)');
    t.equal(again.headers['idempotent-replayed'], 'true');
  }
  const captures = (await api.store.readStream(accountStream('5103'))).filter((e) => e.type === 'ReservationCaptured');
  t.equal(captures.length, ONE_USER_ROUNDS, 'one capture per key');
});

t.test('a claim left by a request that died mid-charge: a retry after its lease charges once', async (t) => {
  const api = await httpApi(t);
  await buy(api, '5104', 'pi_d');
  const before = await balanceOf(api, '5104');
  const body = { user_id: 5104, credits_amount: 3, feature_used: 'tryon', session_id: 's-d' };
  // The dead request had claimed the key and taken its hold, then stopped before the capture.
  await api.executeAccount('5104', {
    type: 'ReserveCredits',
    reservationId: reservationIdOf('died'),
    credits: 3,
    feature: 'tryon',
    ttlSeconds: 60,
    occurredAt: new Date().toISOString(),
    metadata: { actor: 'service:api', correlationId: 's-d' },
  });
  await api.pool.query(
    `INSERT INTO api_idempotency_keys (scope, idempotency_key, request_hash, state, claim_id, lease_until)
     VALUES ('credits.use', 'died', $1, 'in_progress', gen_random_uuid(), now() - interval '1 second')`,
    [requestHash(UseBodySchema.parse(body))],
  );
  const other = await use(api, { ...body, credits_amount: 5 }, 'died');
  t.equal(other.statusCode, 422, 'another body cannot take the key over, even after the lease');
  const retried = await use(api, body, 'died');
  t.equal(retried.statusCode, 200);
  t.match(retried.json(), { status: 'captured', credits: 3 });
  t.same(
    await balanceOf(api, '5104'),
    { balance: before.balance - 3, held: 0 },
    'the hold the dead request took is the one captured',
  );
});

t.test('claims: a live claim makes others wait, then 409; a failure frees the key for its body only', async (t) => {
  const { pool } = await testDatabase(t);
  const limits = { leaseMs: 60_000, waitMs: 100, pollIntervalMs: 10 };
  const held = await claimKey(pool, 'test', 'k-1', 'hash-a', limits);
  t.equal(held.kind, 'claimed');
  t.same(
    await claimKey(pool, 'test', 'k-1', 'hash-a', limits),
    { kind: 'in_progress' },
    'same body, still running: retry later',
  );
  t.same(await claimKey(pool, 'test', 'k-1', 'hash-b', limits), { kind: 'reused' }, 'another body: refused at once');

  const request = { scope: 'test', key: 'k-2', body: { n: 1 } };
  await t.rejects(
    runOncePerKey(
      pool,
      request,
      async () => {
        throw new Error('store down');
      },
      limits,
    ),
    /store down/,
  );
  let runs = 0;
  const command = async () => ({ statusCode: 200, response: { run: ++runs }, keep: true });
  await t.rejects(runOncePerKey(pool, { ...request, body: { n: 2 } }, command, limits), {
    code: 'idempotency_key_reused',
  });
  t.same(
    await runOncePerKey(pool, request, command, limits),
    { statusCode: 200, response: { run: 1 }, replayed: false },
    'the same body runs again at once after a failure',
  );
  t.same(await runOncePerKey(pool, request, command, limits), {
    statusCode: 200,
    response: { run: 1 },
    replayed: true,
  });
  t.equal(runs, 1);

  let finish = (): void => undefined;
  let started = (): void => undefined;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const slow = runOncePerKey(
    pool,
    { scope: 'test', key: 'k-3', body: {} },
    () =>
      new Promise((resolve) => {
        finish = () => resolve({ statusCode: 200, response: { slow: true }, keep: true });
        started();
      }),
    limits,
  );
  await running;
  await t.rejects(
    runOncePerKey(pool, { scope: 'test', key: 'k-3', body: {} }, command, limits),
    { code: 'idempotency_key_in_progress', status: 409 },
    'a registered 409 that says retry',
  );
  finish();
  t.same(await slow, { statusCode: 200, response: { slow: true }, replayed: false });
  t.equal(runs, 1, 'the waiting request never ran the command');
});

t.test('purchase and invoice: racing requests with one key start one payment', async (t) => {
  const seen: PurchaseRequest[] = [];
  const startPurchase = async (request: PurchaseRequest) => {
    seen.push(request);
    const reference = `cs_${seen.length}`;
    return { provider: request.provider, url: `https://checkout.stripe.com/c/pay/${reference}`, reference };
  };
  const api = await httpApi(t, { api: { startPurchase, rateLimitPerMinute: 1_000 } });
  const basic = { user_id: 5105, package_type: 'basic', currency: 'USD', payment_provider: 'stripe' };
  const premium = { ...basic, package_type: 'premium' };
  const post = (body: object, key: string) =>
    api.app.inject({
      method: 'POST',
      url: '/api/v1/credits/purchase',
      payload: JSON.stringify(body),
      headers: { ...bearer(SERVICE_TOKEN), 'content-type': 'application/json', 'idempotency-key': key },
    });
  const answers = await Promise.all(
    interleave(basic, premium, 10).map(async (body) => ({ body, response: await post(body, 'buy-1') })),
  );
  t.equal(seen.length, 1, 'one payment started at the provider');
  const won = answers.filter((a) => a.response.statusCode === 200);
  t.ok(won.length > 0 && won.every((a) => a.body === won[0]!.body && a.response.body === won[0]!.response.body));
  t.ok(answers.every((a) => a.response.statusCode === 200 || a.response.statusCode === 422));
  t.equal((await post(basic, 'bad key')).statusCode, 400, 'a malformed key is refused');
});
