import t from 'tap';
import { stripeSessionFact } from '../../adapters/payments/stripe/webhook.js';
import { yookassaPurchase } from '../../adapters/payments/yookassa/notification.js';
import { applyFact } from '../../app/payments/apply.js';
import type Stripe from 'stripe';
import type { YooKassaPayment } from '../../adapters/payments/yookassa/client.js';
import { bearer, httpApi, SERVICE_TOKEN, SUPPORT_TOKEN } from '../support/httpApi.js';

/**
 * Issue 13, reproduction 1: an id past bigint (2^63) or past Telegram's 2^52 is refused at every
 * entry point with `invalid_user_id` (400) before any event is written.
 */

const TOO_BIG = '9223372036854775808';
const BAD_IDS = [TOO_BIG, '4503599627370497', '0123', '12345678901234567890'];
const json = (token: string) => ({ ...bearer(token), 'content-type': 'application/json' });

t.test('service API and admin routes answer invalid_user_id and write nothing', async (t) => {
  const { app, store } = await httpApi(t);
  const head = await store.headPosition();
  for (const id of BAD_IDS) {
    const balance = await app.inject({
      method: 'GET',
      url: `/api/v1/credits/balance/${id}`,
      headers: bearer(SERVICE_TOKEN),
    });
    t.equal(balance.statusCode, 400, `balance of ${id}`);
    t.match(balance.json(), { error: { code: 'invalid_user_id' } });
    // As a JSON number too, where it reads as the same id ('0123' as a number is 123, a valid id).
    for (const userId of id.startsWith('0') ? [id] : [id, Number(id)]) {
      const use = await app.inject({
        method: 'POST',
        url: '/api/v1/credits/use',
        headers: { ...json(SERVICE_TOKEN), 'idempotency-key': `k-${id}-${typeof userId}` },
        payload: JSON.stringify({ user_id: userId, credits_amount: 3, feature_used: 'tryon', session_id: 's-1' }),
      });
      t.equal(use.statusCode, 400, `use for ${id} as a ${typeof userId}`);
      t.match(use.json(), { error: { code: 'invalid_user_id' } });
    }
    const purchase = await app.inject({
      method: 'POST',
      url: '/api/v1/credits/purchase',
      headers: json(SERVICE_TOKEN),
      payload: JSON.stringify({ user_id: id, package_type: 'basic', currency: 'USD', payment_provider: 'stripe' }),
    });
    t.equal(purchase.statusCode, 400, `purchase for ${id}`);
    t.match(purchase.json(), { error: { code: 'invalid_user_id' } });
    const grant = await app.inject({
      method: 'POST',
      url: `/admin/users/${id}/grants`,
      headers: json(SUPPORT_TOKEN),
      payload: JSON.stringify({ credits: 5, reason: 'goodwill for a test' }),
    });
    t.equal(grant.statusCode, 400, `admin grant for ${id}`);
    t.match(grant.json(), { error: { code: 'invalid_user_id' } });
    const timeline = await app.inject({
      method: 'GET',
      url: `/admin/users/${id}/timeline`,
      headers: bearer(SUPPORT_TOKEN),
    });
    t.equal(timeline.statusCode, 400, `timeline of ${id}`);
  }
  const largest = await app.inject({
    method: 'GET',
    url: `/api/v1/credits/balance/${2 ** 52}`,
    headers: bearer(SERVICE_TOKEN),
  });
  t.equal(largest.statusCode, 404, '2^52 itself is a valid id (no account yet)');
  t.equal(await store.headPosition(), head, 'no event was written');
});

t.test('the ledger command path refuses a bad stream or a command for another user', async (t) => {
  const { executeAccount, store } = await httpApi(t);
  const at = new Date().toISOString();
  const purchase = {
    type: 'PurchaseCredits',
    paymentId: 'pi_1',
    provider: 'stripe',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
    occurredAt: at,
  } as const;
  t.match(await executeAccount(TOO_BIG, { ...purchase, userId: TOO_BIG }), { ok: false, rejection: 'invalid_user_id' });
  t.match(
    await executeAccount(TOO_BIG, {
      type: 'GrantCredits',
      grantId: 'g',
      credits: 1,
      reason: 'goodwill',
      operator: 'ann',
      occurredAt: at,
    }),
    { ok: false, rejection: 'invalid_user_id' },
  );
  t.match(
    await executeAccount('77', { ...purchase, userId: '78' }),
    { ok: false, rejection: 'wrong_account' },
    'a command for user 78 sent to account-77',
  );
  t.equal(await store.headPosition(), 0, 'nothing appended');
});

t.test('webhooks: a paid purchase for a bad id is recorded as rejected, with its reason, never applied', async (t) => {
  const session = {
    mode: 'payment',
    payment_status: 'paid',
    payment_intent: 'pi_bad',
    client_reference_id: TOO_BIG,
    metadata: { packageId: 'basic' },
    amount_total: 199,
    currency: 'usd',
    created: 1_700_000_000,
  } as unknown as Stripe.Checkout.Session;
  t.match(stripeSessionFact(session, 'checkout.session.completed'), {
    kind: 'rejected',
    reason: /client_reference_id "9223372036854775808" is not a Telegram user id/,
  });
  const payment = {
    id: 'yk-1',
    status: 'succeeded',
    paid: true,
    amount: { value: '199.00', currency: 'RUB' },
    metadata: { userId: TOO_BIG, packageId: 'basic' },
    created_at: '2026-01-01T00:00:00Z',
  } as unknown as YooKassaPayment;
  t.match(yookassaPurchase(payment), {
    kind: 'rejected',
    reason: /metadata.userId "9223372036854775808" is not a Telegram user id/,
  });
  // Whatever a provider's interpreter let through, applying it is refused before the ledger is called.
  const fact = {
    kind: 'purchase',
    provider: 'telegram_stars',
    paymentId: 'c1',
    userId: TOO_BIG,
    packageId: 'basic',
    amountMinor: 100,
    currency: 'XTR',
    occurredAt: '2026-01-01T00:00:00Z',
  } as const;
  const ledger = () => t.fail('the ledger must not be called') as never;
  t.match(await applyFact({ ledger } as unknown as Parameters<typeof applyFact>[0], fact, 'c'), {
    status: 'rejected',
    outcome: /not a Telegram user id/,
  });
});
