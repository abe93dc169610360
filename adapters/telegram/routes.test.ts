import Fastify from 'fastify';
import type { Update } from 'grammy/types';
import t from 'tap';
import { SECRET_HEADER, telegramWebhookRoutes, WEBHOOK_PATH } from './routes.js';

const SECRET = 'webhook-secret-0123456789';
const update = (id: number): Update =>
  ({
    update_id: id,
    message: { message_id: 1, date: 0, chat: { id: 5, type: 'private', first_name: 'A' }, text: 'hi' },
  }) as Update;

const app = async (accept: (u: Update) => Promise<'new' | 'duplicate'>) => {
  const server = Fastify();
  await server.register(telegramWebhookRoutes({ secretToken: SECRET, accept }));
  return server;
};

t.test('a wrong or missing secret token is 401, and nothing is recorded', async (t) => {
  const accepted: Update[] = [];
  const server = await app(async (u) => (accepted.push(u), 'new'));
  t.teardown(() => server.close());
  for (const headers of [{}, { [SECRET_HEADER]: 'wrong' }, { [SECRET_HEADER]: `${SECRET}x` }]) {
    const response = await server.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: update(1) });
    t.equal(response.statusCode, 401);
  }
  t.same(accepted, []);
});

t.test('the right token records the update and answers 200; a redelivery is 200 too', async (t) => {
  const seen = new Set<number>();
  const server = await app(async (u) => (seen.has(u.update_id) ? 'duplicate' : (seen.add(u.update_id), 'new')));
  t.teardown(() => server.close());
  const post = () =>
    server.inject({ method: 'POST', url: WEBHOOK_PATH, headers: { [SECRET_HEADER]: SECRET }, payload: update(7) });
  const first = await post();
  t.equal(first.statusCode, 200);
  t.same(first.json(), { ok: true, duplicate: false });
  const again = await post();
  t.equal(again.statusCode, 200);
  t.same(again.json(), { ok: true, duplicate: true });
});

t.test('a body that is not an update is 400; a recording failure is 500 (Telegram retries)', async (t) => {
  const server = await app(async () => {
    throw new Error('database down');
  });
  t.teardown(() => server.close());
  const bad = await server.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { [SECRET_HEADER]: SECRET },
    payload: { hello: 1 },
  });
  t.equal(bad.statusCode, 400);
  const failing = await server.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { [SECRET_HEADER]: SECRET },
    payload: update(1),
  });
  t.equal(failing.statusCode, 500);
});

t.test('a webhook without a secret cannot be built', async (t) => {
  t.throws(() => telegramWebhookRoutes({ secretToken: '', accept: async () => 'new' }));
});
