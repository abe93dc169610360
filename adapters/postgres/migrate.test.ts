import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { testDatabase } from '../../test/support/database.js';
import { migrate, MigrationError } from './migrate.js';

t.test('applies numbered migrations once, in order, and refuses an edited one', async (t) => {
  const { pool } = await testDatabase(t, { migrate: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modera-schema-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, '002_second.sql'), 'INSERT INTO steps VALUES (2);');
  await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE steps (n int); INSERT INTO steps VALUES (1);');

  t.same(await migrate(pool, { dir }), { applied: ['001_first.sql', '002_second.sql'] });
  t.same(await migrate(pool, { dir }), { applied: [] }, 'a second run applies nothing');
  t.same((await pool.query('SELECT n FROM steps ORDER BY n')).rows, [{ n: 1 }, { n: 2 }]);

  await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE steps (n bigint);');
  await t.rejects(migrate(pool, { dir }), MigrationError);
  await t.rejects(migrate(pool, { dir }), /001_first\.sql was changed after it was applied/);
});

t.test('a failing migration leaves nothing behind', async (t) => {
  const { pool } = await testDatabase(t, { migrate: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modera-schema-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, '001_broken.sql'), 'CREATE TABLE half (n int); SELECT no_such_function();');
  await t.rejects(migrate(pool, { dir }), /no_such_function/);
  const { rows } = await pool.query("SELECT to_regclass('half') AS t");
  t.equal(rows[0].t, null, 'the table of the failed migration was rolled back');
  t.same((await pool.query('SELECT * FROM schema_migrations')).rows, [], 'and it is not recorded');
});

t.test('misnamed files are refused', async (t) => {
  const { pool } = await testDatabase(t, { migrate: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modera-schema-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'users.sql'), 'SELECT 1;');
  await t.rejects(migrate(pool, { dir }), /NNN_lower_case\.sql/);
});
