import pino from 'pino';
import t from 'tap';
import { collectHealth } from '../../adapters/http/health.js';
import { buildHttpServer } from '../../adapters/http/server.js';
import { SECRET_HEADER, WEBHOOK_PATH } from '../../adapters/telegram/routes.js';
import { telegramSettingsFromEnv } from '../../adapters/telegram/runtime.js';
import { botHarness, textOf } from '../support/telegramBot.js';

const SECRET = 'webhook-secret-for-tests-0123';

t.test('webhook mode: setWebhook with the secret token, then updates through POST /webhook/telegram', async (t) => {
  const h = await botHarness(t, {
    transport: { mode: 'webhook', url: 'https://bot.example/webhook/telegram', secretToken: SECRET },
  });
  const setWebhook = h.fake.received.find((c) => c.method === 'setWebhook');
  t.match(setWebhook?.payload, {
    url: 'https://bot.example/webhook/telegram',
    secret_token: SECRET,
    allowed_updates: ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'],
  });
  const commands = h.fake.received.filter((c) => c.method === 'setMyCommands');
  t.match(
    commands,
    [
      {
        payload: {
          commands: [
            { command: 'start' },
            { command: 'menu' },
            { command: 'help' },
            { command: 'paysupport', description: 'Payment support' },
          ],
        },
      },
      { payload: { language_code: 'ru', commands: [{ command: 'start', description: 'Начать и открыть меню' }] } },
    ],
    'the command menu in both languages',
  );
  const http = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    health: () =>
      collectHealth({ version: 't', startedAt: Date.now(), checks: {}, critical: [], projections: async () => [] }),
    plugins: [h.runtime.webhookRoutes()],
  });
  t.teardown(() => http.close());
  const update = h.user(601).command('start');
  const forged = await http.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { [SECRET_HEADER]: 'guess' },
    payload: update,
  });
  t.equal(forged.statusCode, 401);
  const real = await http.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { [SECRET_HEADER]: SECRET },
    payload: update,
  });
  t.equal(real.statusCode, 200, 'acknowledged once recorded');
  const again = await http.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { [SECRET_HEADER]: SECRET },
    payload: update,
  });
  t.same(again.json(), { ok: true, duplicate: true });
  await h.runtime.processor.idle();
  t.same(
    h.calls.filter((c) => c.method === 'sendMessage').map(textOf),
    ['Choose your language:'],
    'handled once, after the answer',
  );
});

t.test('polling mode: the webhook is removed and updates come from getUpdates, confirmed once recorded', async (t) => {
  const h = await botHarness(t, { transport: { mode: 'polling' } });
  t.ok(h.fake.received.some((c) => c.method === 'deleteWebhook'));
  const user = h.user(602);
  h.fake.pushUpdate(user.command('start'));
  await h.waitForCall((c) => c.method === 'sendMessage');
  const offsets = h.fake.received.filter((c) => c.method === 'getUpdates').map((c) => Number(c.payload.offset ?? 0));
  await h.waitForCall((c) => c.method === 'getUpdates' && Number(c.payload.offset) > 0);
  t.ok(offsets.length > 0);
  t.match(
    h.fake.received.find((c) => c.method === 'getUpdates')?.payload,
    {
      allowed_updates: ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'],
    },
    'blocks and unblocks are asked for in polling too',
  );
  const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM telegram_updates');
  t.equal(rows[0].n, 1);
});

t.test('Telegram 429 and 5xx are retried; the bot answers in the end', async (t) => {
  const h = await botHarness(t);
  h.fake.failNext(
    'sendMessage',
    { status: 429, description: 'Too Many Requests: retry after 0', retryAfterSeconds: 0 },
    2,
  );
  h.fake.failNext('sendMessage', { status: 502, description: 'Bad Gateway' });
  await h.send(h.user(603).command('start'));
  const attempts = h.fake.received.filter((c) => c.method === 'sendMessage');
  t.equal(attempts.length, 4, 'two 429s and a 502, then the message');
  t.equal(h.calls.filter((c) => c.method === 'sendMessage').length, 1, 'one call from the bot');
});

t.test('configuration: webhook mode needs URL and secret; otherwise polling; no token, no bot', async (t) => {
  t.equal(telegramSettingsFromEnv({}), undefined);
  t.match(telegramSettingsFromEnv({ TELEGRAM_BOT_TOKEN: 'x' }), {
    transport: { mode: 'polling' },
    apiRoot: 'https://api.telegram.org',
  });
  t.match(
    telegramSettingsFromEnv({
      TELEGRAM_BOT_TOKEN: 'x',
      TELEGRAM_WEBHOOK_URL: 'https://b.example/webhook/telegram',
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081',
    }),
    { transport: { mode: 'webhook', secretToken: SECRET }, apiRoot: 'http://127.0.0.1:8081' },
  );
  t.throws(() => telegramSettingsFromEnv({ TELEGRAM_BOT_TOKEN: 'x', TELEGRAM_WEBHOOK_URL: 'https://b.example/' }));
});
