import t from 'tap';
import { bearer, httpApi, SUPPORT_TOKEN } from '../../test/support/httpApi.js';
import type { ProviderRefund } from './actions.js';

/**
 * Issue 13, reproduction 9: a repeated support action (same action id) answered `no_change` with
 * the audit position of an unrelated action. A retried action answers with its own record.
 */

interface Reply {
  actionId: string;
  action: string;
  outcome: string;
  ledgerPosition: number | null;
  auditPosition: number;
}

t.test('a retried action answers with its own audit record, not the last one on the stream', async (t) => {
  const refunds: Array<Parameters<ProviderRefund>[0]> = [];
  const { app, executeAccount, store } = await httpApi(t, {
    admin: { refundAtProvider: async (request) => void refunds.push(request), rebuildUser: async () => undefined },
  });
  const user = '5401';
  const occurredAt = new Date().toISOString();
  await executeAccount(user, {
    type: 'PurchaseCredits',
    userId: user,
    paymentId: 'pi_5401',
    provider: 'stripe',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
    occurredAt,
  });
  const post = (path: string, body: object) =>
    app.inject({
      method: 'POST',
      url: `/admin/users/${user}/${path}`,
      payload: JSON.stringify(body),
      headers: { ...bearer(SUPPORT_TOKEN), 'content-type': 'application/json' },
    });
  const grantId = '1b0e6a52-5d1c-4c1e-9f7a-2a3b4c5d6e01';
  const refundId = '1b0e6a52-5d1c-4c1e-9f7a-2a3b4c5d6e02';
  const rebuildId = '1b0e6a52-5d1c-4c1e-9f7a-2a3b4c5d6e03';
  const grant = (await post('grants', { credits: 5, reason: 'slow try-on', actionId: grantId })).json() as Reply;
  t.match(grant, { action: 'goodwill_grant', outcome: 'ok', ledgerPosition: Number });
  // Unrelated actions after it: the audit stream's last position is no longer the grant's.
  const refundBody = { paymentId: 'pi_5401', reason: 'asked within 14 days', actionId: refundId };
  const refund = (await post('refunds', refundBody)).json() as Reply;
  const rebuild = (await post('rebuild', { reason: 'rows look wrong', actionId: rebuildId })).json() as Reply;
  t.ok(rebuild.auditPosition > refund.auditPosition && refund.auditPosition > grant.auditPosition);

  const again = await post('grants', { credits: 5, reason: 'slow try-on', actionId: grantId });
  t.equal(again.statusCode, 200);
  t.same(again.json(), { ...grant, outcome: 'no_change' }, "the grant's own audit and ledger positions");
  t.same((await post('refunds', { paymentId: 'pi_5401', reason: 'clicked twice', actionId: refundId })).json(), {
    ...refund,
    outcome: 'no_change',
  });
  t.equal(refunds.length, 1, 'the provider was asked once');
  t.same((await post('rebuild', { reason: 'again', actionId: rebuildId })).json(), {
    ...rebuild,
    outcome: 'no_change',
  });

  const reused = await post('grants', { credits: 7, reason: 'more', actionId: grantId });
  t.equal(reused.statusCode, 409, 'the same action id for other details is refused');
  t.match(reused.json(), { error: { code: 'rejected', rejection: 'action_id_reused' } });
  t.equal(
    (await post('rebuild', { reason: 'rows look wrong again', actionId: grantId })).statusCode,
    409,
    'and for another action',
  );
  const audit = await store.readStream(`audit-${user}`);
  t.equal(audit.length, 3, 'retries and refusals write no audit event');
  const grants = (await store.readStream(`account-${user}`)).filter(
    (e) => e.type === 'CreditsGranted' && (e.data as { reason: string }).reason === 'goodwill',
  );
  t.equal(grants.length, 1, 'one goodwill grant in the ledger');
});
