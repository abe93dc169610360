import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from './embedded.js';

const EMBEDDED_MODULE = path.resolve('adapters/postgres/embedded.ts');

const query = async (url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

t.test('initialises once, keeps data across restarts, refuses a second live owner', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-embedded-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));

  const first = await startEmbeddedPostgres({ dataDir, durable: false });
  await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
  const [version] = await query(first.url, 'SHOW server_version');
  t.match(String(version?.server_version), /^17\./, 'PostgreSQL 17');

  // A second owner in another live process is refused with a clear message.
  const child = spawn(process.execPath, [
    '--import=tsx',
    '-e',
    `import('${EMBEDDED_MODULE}').then(m => m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} }))
       .then(() => { console.log('STARTED'); process.exit(0) }, e => { console.log(e.message); process.exit(3) })`,
  ]);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  t.equal(code, 3, 'the second process fails');
  t.match(out, /in use by another running Modera process/);

  await first.stop();
  const second = await startEmbeddedPostgres({ dataDir, durable: false });
  t.same(await query(second.url, 'SELECT n FROM kept'), [{ n: 42 }], 'data survives a restart');
  await second.stop();
});

t.test('a server left running by a killed process is taken over', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-embedded-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // Start the server in a child process, then kill -9 that process: its postgres lives on.
  const child = spawn(process.execPath, [
    '--import=tsx',
    '-e',
    `import('${EMBEDDED_MODULE}')
       .then(m => m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, durable: false }))
       .then(s => { console.log('URL ' + s.url) })`,
  ]);
  const url = await new Promise<string>((resolve) =>
    child.stdout.on('data', (c: Buffer) => {
      const m = /URL (\S+)/.exec(c.toString());
      if (m) resolve(m[1]!);
    }),
  );
  await query(url, 'CREATE TABLE survived (n int); INSERT INTO survived VALUES (7)');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const orphanPid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  t.doesNotThrow(() => process.kill(orphanPid, 0), 'the orphaned postgres is still running');

  const server = await startEmbeddedPostgres({ dataDir, durable: false });
  t.throws(() => process.kill(orphanPid, 0), 'the orphan was shut down');
  t.same(await query(server.url, 'SELECT n FROM survived'), [{ n: 7 }], 'its data is intact');
  await server.stop();
});
