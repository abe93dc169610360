import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import t from 'tap';
import { HTTP_ERRORS } from './errors.js';
import { collectHealth, type HealthCheck } from './health.js';
import { buildHttpServer, BODY_LIMIT_BYTES } from './server.js';

const logger = pino({ level: 'silent' });
const health = (checks: Record<string, HealthCheck>) => () =>
  collectHealth({ version: 't', startedAt: Date.now(), checks, critical: ['database'], projections: async () => [] });

t.test('/health names every dependency; a critical one down answers 503', async (t) => {
  let databaseUp = true;
  const app = await buildHttpServer({
    logger,
    health: health({
      database: async () => {
        if (!databaseUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return { state: 'up' };
      },
      stripe: async () => ({ state: 'off', detail: 'set STRIPE_SECRET_KEY' }),
    }),
  });
  t.teardown(() => app.close());

  const ok = await app.inject({ method: 'GET', url: '/health' });
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), {
    status: 'ok',
    dependencies: { database: { state: 'up' }, stripe: { state: 'off', detail: 'set STRIPE_SECRET_KEY' } },
  });

  databaseUp = false;
  const down = await app.inject({ method: 'GET', url: '/health' });
  t.equal(down.statusCode, 503);
  t.match(down.json(), { status: 'down', dependencies: { database: { state: 'down', detail: /ECONNREFUSED/ } } });
});

t.test('a non-critical dependency down is "degraded"; a hung check is cut off', async (t) => {
  const report = await health({
    database: async () => ({ state: 'up' }),
    ai: () => new Promise(() => undefined),
  })();
  t.equal(report.status, 'degraded');
  t.match(report.dependencies.ai, { state: 'down', detail: /no answer within/ });
});

t.test('bodies over the limit are refused before any handler', async (t) => {
  const app = await buildHttpServer({
    logger,
    health: health({ database: async () => ({ state: 'up' }) }),
    plugins: [
      async (app) => {
        app.post('/echo', async (request) => request.body);
      },
    ],
  });
  t.teardown(() => app.close());
  const response = await app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) }),
  });
  t.equal(response.statusCode, 413);
});

t.test('malformed requests get a 4xx with a machine-readable code, never a 500', async (t) => {
  const { z } = await import('zod');
  const app = await buildHttpServer({
    logger,
    health: health({ database: async () => ({ state: 'up' }) }),
    plugins: [
      async (app) => {
        app.post(
          '/typed',
          { schema: { body: z.object({ credits: z.number().int().positive() }) } },
          async (request) => request.body,
        );
        app.get('/boom', async () => {
          throw new Error('unexpected');
        });
      },
    ],
  });
  t.teardown(() => app.close());
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/typed', headers: { 'content-type': contentType }, payload });

  const cases: Array<[string, Promise<{ statusCode: number; json(): unknown }>, number, string]> = [
    ['broken JSON', post('{"credits":'), 400, 'malformed_json'],
    ['wrong type', post('{"credits":"ten"}'), 400, 'invalid_request'],
    ['negative amount', post('{"credits":-5}'), 400, 'invalid_request'],
    ['text instead of JSON', post('credits=5', 'text/plain'), 400, 'invalid_request'],
    ['unparsed content type', post('<credits>5</credits>', 'application/xml'), 415, 'unsupported_media_type'],
    ['unknown route', app.inject({ method: 'GET', url: '/nope' }), 404, 'not_found'],
  ];
  for (const [name, pending, status, code] of cases) {
    const response = await pending;
    t.equal(response.statusCode, status, `${name}: status`);
    t.match(response.json(), { error: { code } }, `${name}: code`);
  }
  const ok = await post('{"credits":5}');
  t.same(ok.json(), { credits: 5 });
  const boom = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(boom.statusCode, 500);
  t.match(boom.json(), { error: { code: 'internal', message: 'internal error' } }, 'no internals leak');
});

t.test('bearer and admin role checks', async (t) => {
  const { requireAdmin, requireServiceToken } = await import('./auth.js');
  const tokens = [
    { name: 'ann', role: 'support' as const, token: 'support-token-0123456789' },
    { name: 'bob', role: 'finance' as const, token: 'finance-token-0123456789' },
  ];
  const app = await buildHttpServer({
    logger,
    health: health({ database: async () => ({ state: 'up' }) }),
    plugins: [
      async (app) => {
        const service = requireServiceToken('service-token-0123456789');
        app.get('/api/ping', { onRequest: service }, async () => ({ ok: true }));
        app.get('/admin/support-only', { onRequest: requireAdmin(tokens, ['support']) }, async (r) => ({
          by: r.admin?.name,
        }));
      },
    ],
  });
  t.teardown(() => app.close());
  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  t.equal((await get('/api/ping')).statusCode, 401);
  t.equal((await get('/api/ping', 'wrong-token-000000000000')).statusCode, 401);
  t.equal((await get('/api/ping', 'service-token-0123456789')).statusCode, 200);
  t.equal(
    (await get('/admin/support-only', 'finance-token-0123456789')).statusCode,
    403,
    'finance may not act as support',
  );
  t.same((await get('/admin/support-only', 'support-token-0123456789')).json(), { by: 'ann' });
  t.equal((await get('/admin/support-only', 'service-token-0123456789')).statusCode, 401);
});

t.test('/metrics speaks Prometheus and counts requests by route pattern', async (t) => {
  const app = await buildHttpServer({ logger, health: health({ database: async () => ({ state: 'up' }) }) });
  t.teardown(() => app.close());
  await app.inject({ method: 'GET', url: '/health' });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(metrics.body, /modera_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} \d+/);
});

/** Waits until `condition` holds, failing after a deadline (never a fixed sleep). */
const until = async (condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> => {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
};

/** Writes `request` on a new connection and collects everything until the server closes it. */
const rawExchange = (port: number, request: string): Promise<string> =>
  new Promise((resolve) => {
    let data = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    // The server destroys the socket after answering: a reset after the answer still carries it.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(data));
  });

/** The statuses and bodies of every HTTP response in `raw` (pipelined answers come one after another). */
const responsesIn = (raw: string): Array<{ status: number; body: unknown }> =>
  [...raw.matchAll(/HTTP\/1\.1 (\d{3})[^]*?content-length: (\d+)\r\n[^]*?\r\n\r\n/gi)].map((m) => ({
    status: Number(m[1]),
    body: JSON.parse(raw.slice(m.index + m[0].length, m.index + m[0].length + Number(m[2]))) as unknown,
  }));

t.test(
  'refusals by Node before Fastify sees a request, and requests during shutdown: the registry shape',
  async (t) => {
    let entered = false;
    let closing = false;
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = await buildHttpServer({
      logger,
      health: health({ database: async () => ({ state: 'up' }) }),
      plugins: [
        async (app) => {
          app.addHook('preClose', async () => {
            closing = true;
          });
          app.get('/slow', async () => {
            entered = true;
            await gate;
            return { ok: true };
          });
        },
      ],
    });
    t.teardown(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const cases: Array<[string, string, keyof typeof HTTP_ERRORS]> = [
      [
        'headers over the limit',
        `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
        'headers_too_large',
      ],
      ['not HTTP', 'HELLO THERE\r\n\r\n', 'invalid_request'],
      [
        'a malformed percent-encoding',
        'GET /health%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        'invalid_request',
      ],
    ];
    for (const [name, request, code] of cases) {
      const [answer] = responsesIn(await rawExchange(port, request));
      t.match(answer, { status: HTTP_ERRORS[code].status, body: { error: { code, message: String } } }, name);
    }

    // The second request comes on the busy connection once close() has begun (new connections are refused by then).
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'));
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    socket.on('error', () => undefined);
    const ended = new Promise((resolve) => socket.on('close', resolve));
    await until(() => entered, 'the slow request is in its handler');
    const closed = app.close();
    await until(() => closing, 'close() has begun');
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    // Node reads a connection's next request once the one before is answered.
    release();
    await until(() => raw.includes('shutting_down'), 'the second request is answered').finally(() => socket.destroy());
    await closed;
    await ended;
    const answers = responsesIn(raw);
    const expected = [{ status: 200 }, { status: 503, body: { error: { code: 'shutting_down' } } }];
    t.match(answers, expected, 'the request read during shutdown');
  },
);
