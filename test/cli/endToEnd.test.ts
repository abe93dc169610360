import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli, startCli } from '../support/cli.js';
import { waitFor } from '../support/waitFor.js';

/**
 * What a newcomer does: fill the embedded database with `modera demo`, start every role, and look
 * at it through the service API and the admin routes. The read tables must agree with the events.
 */
const SERVICE_TOKEN = 'service-token-for-the-e2e-test';
const SUPPORT_TOKEN = 'support-token-for-the-e2e-test';
const FINANCE_TOKEN = 'finance-token-for-the-e2e-test';

t.test('demo → start → balance, timeline, finance and reconcile agree', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-e2e-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const env = {
    MODERA_DATA_DIR: dataDir,
    PORT: '0',
    DATABASE_URL: undefined,
    LOG_LEVEL: 'info',
    INTERNAL_API_TOKEN: SERVICE_TOKEN,
    ADMIN_TOKENS: `ann:support:${SUPPORT_TOKEN},bob:finance:${FINANCE_TOKEN}`,
  };

  const demo = await runCli(['demo', '--users', '6', '--seed', 'e2e', '--json'], env);
  t.equal(demo.code, 0, demo.stderr);
  const summary = JSON.parse(demo.stdout) as {
    users: Array<{ userId: string }>;
    headPosition: number;
    purchases: { count: number };
  };
  t.ok(summary.purchases.count > 0, 'the demo bought credits');

  const { child, output } = await startCli(['start', '--roles', 'api,projector,worker'], env, /"msg":"modera started"/);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const base = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output())![1]!;
  const get = async (url: string, token: string) => {
    const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  // The projector catches up with everything the demo wrote.
  await waitFor('every projection to catch up with the demo (/health lag 0)', async () => {
    const health = (await (await fetch(`${base}/health`)).json()) as {
      projections: Array<{ name: string; lagEvents: number }>;
    };
    return Math.max(...health.projections.map((p) => p.lagEvents)) === 0;
  });
  t.pass('every projection caught up with the demo');

  for (const { userId } of summary.users) {
    const timeline = await get(`/admin/users/${userId}/timeline`, SUPPORT_TOKEN);
    t.equal(timeline.status, 200);
    const state = timeline.body.state as { available: number; held: number };
    const balance = await get(`/api/v1/credits/balance/${userId}`, SERVICE_TOKEN);
    t.same(
      balance.body,
      { userId, credits: state.available, reserved: state.held },
      `user ${userId}: read table = replayed events`,
    );
  }

  const reconcile = await get('/admin/projections/reconcile', FINANCE_TOKEN);
  t.equal(reconcile.status, 200);
  t.match(reconcile.body, { checkedUsers: summary.users.length, differences: [] }, 'reconcile finds no difference');

  const forbidden = await get('/admin/finance/ledger?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z', SUPPORT_TOKEN);
  t.equal(forbidden.status, 403, 'support may not read the finance export');

  child.kill('SIGTERM');
  t.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, 'stops cleanly');
});
