import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli, startCli } from '../support/cli.js';

t.test('`modera start` on the embedded database serves /health and stops cleanly on SIGTERM', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-start-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const env = { MODERA_DATA_DIR: dataDir, PORT: '0', DATABASE_URL: undefined, LOG_LEVEL: 'info' };
  const { child, output } = await startCli(['start'], env, /"msg":"modera started"/);
  const address = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output())?.[1];
  t.ok(address, 'logs the address it listens on');

  const response = await fetch(`${address}/health`);
  t.equal(response.status, 200);
  const health = (await response.json()) as { status: string; dependencies: Record<string, { state: string }> };
  t.equal(health.dependencies.database?.state, 'up');
  t.equal(health.dependencies.eventstore?.state, 'up', 'the PostgreSQL event store answers');
  t.equal(health.dependencies.stripe?.state, 'off', 'unconfigured features say they are off');

  const serverPid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  t.equal(code, 0, 'exits 0 after a graceful shutdown');
  t.throws(() => process.kill(serverPid, 0), 'the embedded PostgreSQL was stopped with it');
  t.notOk(existsSync(path.join(dataDir, 'owner.lock')), 'the data directory is released');
});

t.test('a malformed variable stops the start with a message naming it', async (t) => {
  const result = await runCli(['start'], { PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
  t.equal(result.code, 1);
  t.match(result.stderr, /PORT: expected a port number/);
  t.match(result.stderr, /DATABASE_URL: expected a PostgreSQL URL/);
});

t.test('an unknown command or bench suite is refused', async (t) => {
  const unknown = await runCli(['frobnicate']);
  t.not(unknown.code, 0);
  t.match(unknown.stderr, /unknown command 'frobnicate'/);
  const bench = await runCli(['bench', 'nope']);
  t.equal(bench.code, 1);
  t.match(bench.stderr, /unknown bench suite "nope"/);
});
