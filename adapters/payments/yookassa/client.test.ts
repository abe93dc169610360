import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { defaultLedgerConfig, packageById } from '../../../core/ledger/config.js';
import { startFakeYooKassa } from '../../../test/fakes/yookassaServer.js';
import { OutcomeUnknown, ProviderRejected, ProviderUnreachable } from '../../../app/payments/errors.js';
import { createYooKassaCheckout, yookassaIdempotenceKey } from './checkout.js';
import { createYooKassaClient } from './client.js';

const basic = packageById(defaultLedgerConfig, 'basic');
const request = {
  userId: '42',
  package: basic,
  attemptId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  email: 'ann@example.com',
  returnUrl: 'https://modera.test/checkout/done',
};

t.test('a payment with its 54-FZ receipt, metadata and our Idempotence-Key', async (t) => {
  const fake = await startFakeYooKassa();
  t.teardown(fake.close);
  const client = createYooKassaClient({ shopId: fake.shopId, secretKey: fake.secretKey, apiUrl: fake.url });
  const first = await createYooKassaCheckout(client, request);
  const again = await createYooKassaCheckout(client, request);
  t.equal(again.paymentId, first.paymentId, 'a retry with our key gets the same payment');
  t.equal(fake.payments.size, 1);
  const sent = fake.requests.find((r) => r.method === 'POST')!;
  t.equal(sent.headers['idempotence-key'], yookassaIdempotenceKey(request));
  t.ok(yookassaIdempotenceKey(request).length <= 64);
  t.match(sent.body, {
    amount: { value: '199.00', currency: 'RUB' },
    capture: true,
    confirmation: { type: 'redirect', return_url: 'https://modera.test/checkout/done' },
    metadata: { userId: '42', packageId: 'basic' },
    receipt: {
      customer: { email: 'ann@example.com' },
      items: [
        {
          quantity: '1.00',
          amount: { value: '199.00', currency: 'RUB' },
          vat_code: 1,
          payment_subject: 'service',
          payment_mode: 'full_prepayment',
        },
      ],
    },
  });
  fake.succeed(first.paymentId);
  t.match(await client.getPayment(first.paymentId), { status: 'succeeded', paid: true, metadata: { userId: '42' } });
  const page = await client.listPayments({
    status: 'succeeded',
    createdGte: new Date(Date.now() - 60_000).toISOString(),
  });
  t.same(
    page.items.map((p) => p.id),
    [first.paymentId],
  );
});

t.test('failures come back in their failure domain', async (t) => {
  const fake = await startFakeYooKassa();
  t.teardown(fake.close);
  const wrong = createYooKassaClient({ shopId: fake.shopId, secretKey: 'wrong', apiUrl: fake.url });
  await t.rejects(wrong.getPayment('x'), ProviderRejected);
  const client = createYooKassaClient({ shopId: fake.shopId, secretKey: fake.secretKey, apiUrl: fake.url });
  await t.rejects(client.getPayment('no-such-payment'), { name: 'ProviderRejected', code: 'not_found' });
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await t.rejects(
    createYooKassaClient({ shopId: '1', secretKey: 's', apiUrl: `http://127.0.0.1:${closedPort}/v3` }).getPayment('x'),
    ProviderUnreachable,
  );
  const hanging = createServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    hanging.closeAllConnections();
    hanging.close();
  });
  const slow = createYooKassaClient({
    shopId: '1',
    secretKey: 's',
    apiUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v3`,
    timeoutMs: 200,
  });
  await t.rejects(
    slow.createPayment({} as never, 'key-1'),
    OutcomeUnknown,
    'a timeout after sending is OutcomeUnknown',
  );
});
