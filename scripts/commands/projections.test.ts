import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { startProjectors, waitForPosition } from '../../projections/index.js';
import { testDatabase } from '../../test/support/database.js';
import { bulkAppend, ledgerHistory } from '../../test/support/ledgerHistory.js';

const MODERA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'modera.js');

/**
 * Runs `modera <args>` against the test database; stdout, stderr and the exit code. The deadline
 * is runCli's (test/support/cli.ts): 60 s killed a reconcile on a loaded machine (tsx start alone took 40 s).
 */
const modera = (url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [MODERA, ...args],
      { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });

t.test('modera projections status | reconcile | rebuild', async (t) => {
  const { pool, url } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  await bulkAppend(pool, ledgerHistory({ users: 50, events: 800, seed: 9 }));
  // Issue 13, reproduction 4: with nothing projected, reconcile is not "50 of 50 checked, 0 differences".
  const behind = await modera(url, ['projections', 'reconcile', '--json']);
  t.equal(behind.code, 1, 'exit 1: the projections are 800 positions behind');
  t.match(JSON.parse(behind.stdout), {
    checkedUsers: 0,
    pendingUsers: 50,
    verifiedPosition: 0,
    headPosition: 800,
    ok: false,
    projections: [{ name: 'ledger', position: 0, headPosition: 800, lagEvents: 800 }, { name: 'sessions' }],
  });
  const waiting = modera(url, ['projections', 'reconcile', '--wait', '60', '--json']);
  const projectors = startProjectors({ store, pool });
  await waitForPosition(pool, 'ledger', 800, 20_000);
  const waited = await waiting;
  t.equal(waited.code, 0, `--wait lets the projections catch up first ${waited.stderr}`);
  t.match(JSON.parse(waited.stdout), { checkedUsers: 50, verifiedPosition: 800, ok: true });
  await projectors.stop();

  const status = await modera(url, ['projections', 'status', '--json']);
  t.equal(status.code, 0, status.stderr);
  t.match(JSON.parse(status.stdout), {
    projections: [{ name: 'ledger', position: 800, head: 800, lagEvents: 0, lagSeconds: 0, state: 'stopped' }],
    rebuilds: [],
  });

  const clean = await modera(url, ['projections', 'reconcile', '--json']);
  t.equal(clean.code, 0, 'exit 0: no differences');
  t.match(
    JSON.parse(clean.stdout),
    { checkedUsers: 50, differences: [], verifiedPosition: 800, headPosition: 800, ok: true, problems: [] },
    'one JSON document on stdout',
  );

  await pool.query('UPDATE users SET credits = credits - 2 WHERE id = 1000003');
  const differs = await modera(url, ['projections', 'reconcile', '--json']);
  t.equal(differs.code, 1, 'exit 1: differences');
  const report = JSON.parse(differs.stdout);
  t.match(report, { checkedUsers: 50, differences: [{ userId: '1000003', field: 'credits' }] });
  t.equal(report.differences[0].inTable, report.differences[0].fromEvents - 2);

  const rebuilt = await modera(url, ['projections', 'rebuild', '--name', 'ledger', '--json']);
  t.equal(rebuilt.code, 0, rebuilt.stderr);
  t.match(JSON.parse(rebuilt.stdout), {
    rebuilt: [{ projection: 'ledger', position: 800, appliedEvents: 800, resumedFrom: null }],
  });
  const after = await modera(url, ['projections', 'reconcile', '--user', '1000003']);
  t.equal(after.code, 0);
  t.match(after.stdout, /verified up to position 800 of 800: 1 users compared, 0 differences/);

  const unknown = await modera(url, ['projections', 'rebuild', '--name', 'nope']);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /unknown projection "nope"/);
});
