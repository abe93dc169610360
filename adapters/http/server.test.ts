import pino from 'pino';
import t from 'tap';
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
  t.match(ok.json(), { status: 'ok', dependencies: { database: { state: 'up' }, stripe: { state: 'off', detail: 'set STRIPE_SECRET_KEY' } } });

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
    method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) }),
  });
  t.equal(response.statusCode, 413);
});
